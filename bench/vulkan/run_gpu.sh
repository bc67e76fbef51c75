#!/bin/bash
# Made by bench/vulkan/make_gpu_payload.sh into gpu/run.sh.
# Runs on the GPU machine: mota's Vulkan backend on the real GPU (binaries built on Debian 12,
# with the non-glibc libraries they link shipped beside them). The models are stored fp16
# (precision "fp16"): the backend computes fp16 unless MOTA_VULKAN_PRECISION=fp32.
cd "$(dirname "$0")" && tar xzf payload.tgz
for f in ../.gl/*.deb; do dpkg -x $f /; done; ldconfig

# The host's glibc and libstdc++ are newer than Debian 12's: use them, ship only the rest.
rm -f lib/ld-linux* lib/libc.so* lib/libm.so* lib/libpthread.so* lib/libdl* lib/librt* lib/libstdc++* lib/libgcc_s*
export LD_LIBRARY_PATH=$PWD/lib
VK_LOADER_DEBUG=error bin/mota device-profile 2>&1 | grep -E "vulkan|ERROR|error" | head -10
if [ ! -e /usr/share/vulkan/icd.d/nvidia_icd.json ] && [ -e /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi --query-gpu=name,driver_version --format=csv
echo "== op tests on the GPU (fp32 and fp16 variants, quirks, faults, fallback)"
bin/mota_vulkan_tests --gtest_brief=1 --gtest_filter='-*Model*' 2>&1 | grep -E 'PASSED|FAILED|Failure|tests from' | head -20
J='"(median_ms|p90_ms|p99_ms|min_ms|max_ms)"'
# Steady: 2000 warm-up runs (about 1 s: GPU clocks settle), then 3000 timed ones.
steady() {  # model, label, extra env...
  local m=$1 label=$2; shift 2
  echo "== $m steady $label"
  env "$@" MOTA_VULKAN_CACHE_DIR=$c bin/mota run models/$m.mota --backend vulkan --warmup 2000 \
      --bench 3000 --json | grep -E "$J" | tr -d ' \n'; echo
}
# "cold": no pipeline cache of mota's and none of the driver's (__GL_SHADER_DISK_CACHE=0);
# "warm": mota's cache file from the cold run, still none of the driver's.
first() {  # model, label, cache dir
  echo "== $1 $2"
  __GL_SHADER_DISK_CACHE=0 MOTA_VULKAN_CACHE_DIR=$3 bin/mota run models/$1.mota --backend vulkan \
      --warmup 0 --bench 1 --json | grep -E '"(first_run_ms|load_ms)"' | tr -d ' \n'; echo
}
for m in mobilenet_v2 resnet18 squeezenet1_1; do
  echo "== $m cpu xnnpack 1 thread"
  bin/mota run models/$m.mota --backend xnnpack --threads 1 --warmup 5 --bench 50 --json | grep -E "$J" | tr -d ' \n'; echo
  for p in fp32 fp16; do
    c=$(mktemp -d)
    export MOTA_VULKAN_PRECISION=$p
    first $m "$p cold" $c
    first $m "$p warm" $c
    for round in 1 2 3; do steady $m "$p round $round"; done
  done
  unset MOTA_VULKAN_PRECISION
done
echo "== GPU time per dispatch (20 runs, timestamps)"
for m in resnet18 squeezenet1_1; do
  MOTA_VULKAN_PROFILE_MODEL=models/$m.mota bin/mota_vulkan_tests --gtest_filter='VulkanProfile*' \
      2>&1 | grep -F '[ profile' | head -8
done
echo "== where the slowest 1% of steady runs lose their time (host phases vs GPU timestamps)"
for m in mobilenet_v2 resnet18 squeezenet1_1; do
  MOTA_VULKAN_TAIL_MODEL=models/$m.mota MOTA_VULKAN_TAIL_RUNS=5000 bin/mota_vulkan_tests \
      --gtest_filter='VulkanTail*' 2>&1 | grep -F '[ tail'
done
