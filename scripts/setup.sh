#!/usr/bin/env bash
# Installs every Debian package mota needs (see ../shared/deps.md). Idempotent: when every
# package is already installed it returns without touching apt, so repeated runs are fast.
# Run as root, or as a user with passwordless sudo.
set -euo pipefail

PACKAGES=(
  # build
  cmake g++ pkg-config ninja-build ccache
  # converter (ONNX import) and conformance data
  libonnx-dev libonnx-testdata python3-onnx python3-numpy libprotobuf-dev protobuf-compiler
  # formats, compression, transport, crypto
  libflatbuffers-dev flatbuffers-compiler libzstd-dev zstd libcurl4-openssl-dev libssl-dev openssl
  # CPU and GPU backends
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  libvulkan-dev mesa-vulkan-drivers glslc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-pil fonts-dejavu-core python3-securesystemslib python3-jsonschema
  nginx wrk faketime clang-14 libclang-rt-14-dev
  # host-side libraries
  libboost-dev nlohmann-json3-dev libsimdjson-dev libcli11-dev libyaml-cpp-dev libsqlite3-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
