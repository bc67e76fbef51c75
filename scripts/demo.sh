#!/usr/bin/env bash
# The mota tour: installs the dependencies, builds the `mota` CLI, converts MobileNetV2 from
# ONNX to .mota, inspects it, runs it on seeded random input with a 20-run benchmark, and makes
# an fp16 variant (int8 needs calibration data: see bench/quant/README.md).
# Works from any directory.
#
# Environment: MOTA_SHARED_DIR (default <repo>/../shared: holds models/mobilenet_v2.onnx),
# MOTA_BUILD_DIR (default <repo>/build), MOTA_THREADS (default 1), MOTA_JOBS (build parallelism).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${MOTA_SHARED_DIR:-$ROOT/../shared}"
if [ -z "${MOTA_SHARED_DIR:-}" ] && [ ! -d "$SHARED/models" ] && [ -d /work/shared/models ]; then
  SHARED=/work/shared
fi
BUILD="${MOTA_BUILD_DIR:-$ROOT/build}"
THREADS="${MOTA_THREADS:-1}"
JOBS="${MOTA_JOBS:-$(nproc)}"
ONNX="$SHARED/models/mobilenet_v2.onnx"
DEMO="$BUILD/demo"
MOTA="$BUILD/tools/mota/mota"

step() { printf '\n== %s\n' "$*"; }

if [ ! -f "$ONNX" ]; then
  echo "demo: $ONNX not found; set MOTA_SHARED_DIR to the folder that holds models/" >&2
  exit 1
fi
SHARED="$(cd "$SHARED" && pwd)"
ONNX="$SHARED/models/mobilenet_v2.onnx"

step "setup"
"$ROOT/scripts/setup.sh"

step "build the mota CLI ($BUILD)"
# Same configuration as scripts/test.sh, so the two share one build folder.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOTA_WERROR=ON \
  -DMOTA_BUILD_TESTS=ON "-DMOTA_SHARED_DIR=$SHARED" >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target mota
mkdir -p "$DEMO"

step "convert: mota convert mobilenet_v2.onnx -o $DEMO/mobilenet_v2.mota"
"$MOTA" convert "$ONNX" -o "$DEMO/mobilenet_v2.mota"

step "inspect: mota inspect mobilenet_v2.mota"
"$MOTA" inspect "$DEMO/mobilenet_v2.mota"

step "run: mota run mobilenet_v2.mota --seed 0 --bench 20 --threads $THREADS"
"$MOTA" run "$DEMO/mobilenet_v2.mota" --seed 0 --bench 20 --threads "$THREADS" \
  --output-dir "$DEMO/outputs"

step "quantize: mota quantize mobilenet_v2.mota --precision fp16 (half the bytes, gated on accuracy)"
"$MOTA" quantize "$DEMO/mobilenet_v2.mota" -o "$DEMO/mobilenet_v2.fp16.mota" --precision fp16 \
  --calibration-random 4 --report "$DEMO/mobilenet_v2.fp16.report.json" -q

step "done: outputs in $DEMO/outputs (numpy .npy files), fp16 variant in $DEMO"
