#!/bin/bash
# Made by bench/vulkan/make_gpu_payload.sh into gpu/run.sh.
# Runs on the GPU machine: mota's Vulkan backend on the real GPU (binaries built on Debian 12,
# with the non-glibc libraries they link shipped beside them).
cd "$(dirname "$0")" && tar xzf payload.tgz
for f in ../.gl/*.deb; do dpkg -x $f /; done; ldconfig

# The host's glibc and libstdc++ are newer than Debian 12's: use them, ship only the rest.
rm -f lib/ld-linux* lib/libc.so* lib/libm.so* lib/libpthread.so* lib/libdl* lib/librt* lib/libstdc++* lib/libgcc_s*
export LD_LIBRARY_PATH=$PWD/lib
L=""
VK_LOADER_DEBUG=error $L bin/mota device-profile 2>&1 | grep -E "vulkan|ERROR|error" | head -10
if [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv
echo "== op tests on the GPU"
$L bin/mota_vulkan_tests --gtest_brief=1 --gtest_filter='-*Model*' 2>&1 | tail -25
for m in mobilenet_v2 resnet18 squeezenet1_1; do
  c=$(mktemp -d)
  for phase in cold warm; do
    echo "== $m $phase"; MOTA_VULKAN_CACHE_DIR=$c $L bin/mota run models/$m.mota --backend vulkan --warmup 0 --bench 1 --json | grep -E '"(first_run_ms|load_ms)"'
  done
  echo "== $m steady vulkan"; MOTA_VULKAN_CACHE_DIR=$c $L bin/mota run models/$m.mota --backend vulkan --warmup 50 --bench 500 --json | grep -E '"(median_ms|p90_ms|p99_ms|min_ms|max_ms)"'
  echo "== $m cpu auto 1 thread"; $L bin/mota run models/$m.mota --backend auto --threads 1 --warmup 5 --bench 50 --json | grep -E '"(median_ms|p99_ms)"'
done
echo "== slowest dispatches (resnet18)"
MOTA_VULKAN_CACHE_DIR=$c MOTA_VULKAN_PROFILE=1 $L bin/mota run models/resnet18.mota --backend vulkan --warmup 5 --bench 20 2>&1 | tail -30
