#!/usr/bin/env bash
# Packs what the GPU machine needs to run mota's Vulkan backend (it has no Debian packages and no
# build tools for this project): the stripped `mota` and `mota_vulkan_tests` binaries, the
# libraries they link, and fp16-stored models (half the bytes; precision "fp16", so the Vulkan
# backend computes fp16 unless MOTA_VULKAN_PRECISION=fp32), into gpu/payload.tgz, plus the Vulkan
# loader .debs into .gl/ (see /work/.library/device/README.md). Then, through the device tool:
#   run(command="bash gpu/run.sh", carry=[".gl", "gpu"])
# Usage: bench/vulkan/make_gpu_payload.sh [BUILD_DIR]   (default build/)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
SHARED="${MOTA_SHARED_DIR:-$ROOT/../shared}"
cd "$ROOT"
for p in /.gl/ /gpu/; do grep -qx "$p" .git/info/exclude 2>/dev/null || echo "$p" >> .git/info/exclude; done
if [ ! -d .gl ] || [ -z "$(ls .gl/*.deb 2>/dev/null)" ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
stage=$(mktemp -d)
mkdir -p "$stage/bin" "$stage/lib" "$stage/models"
cp "$BUILD/tools/mota/mota" "$BUILD/client_runtime/mota_vulkan_tests" "$stage/bin/"
strip "$stage"/bin/*
for b in "$stage"/bin/*; do ldd "$b" | grep -o "/[^ ]*"; done | sort -u | while read -r l; do
  cp -L "$l" "$stage/lib/"
done
for m in mobilenet_v2 resnet18 squeezenet1_1; do
  "$BUILD/tools/mota/mota" convert "$SHARED/models/$m.onnx" -o "$stage/$m.fp32.mota" >/dev/null
  "$BUILD/tools/mota/mota" quantize "$stage/$m.fp32.mota" -o "$stage/models/$m.mota" \
      --precision fp16 --calibration-random 2 >/dev/null 2>&1
done
rm -rf gpu && mkdir gpu
tar czf gpu/payload.tgz -C "$stage" bin lib models
cp bench/vulkan/run_gpu.sh gpu/run.sh
rm -rf "$stage"
du -sh gpu .gl
