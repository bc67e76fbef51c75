#!/usr/bin/env bash
# Regenerates the small seed files under tests/fuzz/corpus/ (committed; a few KiB in all):
#   model_loader: .mota files converted from ONNX's node tests (conv, pooling, gemm, shape ops)
#   target_custom, conditions: custom objects and `requires` taken from manifests/golden/tuf and
#     the examples' deploy.yaml conditions; npy: numpy.save of every supported dtype and layout;
#   deploy_spec: small valid and invalid deploy.yaml files; install_record, vk_tuning: records
#     and tuning texts with tuning.vulkan_params (hand-written below).
# Usage: tests/fuzz/make_seeds.sh [MOTA_BINARY]   (default: build-pkgfuzz/tools/mota/mota)
set -euo pipefail
cd "$(dirname "$0")/../.."
mota=${1:-build-pkgfuzz/tools/mota/mota}
out=tests/fuzz/corpus
mkdir -p $out/{model_loader,target_custom,conditions,npy,deploy_spec}

nodes=/usr/share/libonnx-testdata/data/node
for t in conv_with_strides_padding maxpool_2d_default averagepool_2d_default gemm_default_single_elem_vector_bias \
         reshape_reordered_all_dims concat_1d_axis_0 softmax_axis_1 matmul_2d add_bcast batchnorm_example \
         transpose_default gather_0 slice resize_upsample_scales_nearest expand_dim_changed tile \
         constant_pad split_equal_parts_1d squeeze unsqueeze_axis_0 flatten_axis1 \
         reduce_mean_keepdims_example where_example constantofshape_int_zeros depthtospace_example \
         instancenorm_example lrn convtranspose globalaveragepool range_float_type_positive_delta \
         shape argmax_default_axis_example clip layer_normalization_2d_axis0 spacetodepth \
         scatter_elements_without_axis onehot_without_axis matmulinteger qlinearconv \
         dequantizelinear conv_with_autopad_same maxpool_2d_ceil convtranspose_pads \
         reshape_negative_dim slice_neg_steps resize_downsample_scales_linear pow \
         mod_mixed_sign_int32; do
  "$mota" convert "$nodes/test_$t/model.onnx" -o "$out/model_loader/$t.mota" >/dev/null
done

/usr/bin/python3 - "$out" <<'PY'
import json, sys, numpy as np
out = sys.argv[1]
canon = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
def put(d, name, text):
    open(f"{out}/{d}/{name}", "w").write(text)

# Target custom metadata and requires, from the golden repository's targets.
docs = [json.load(open(f"manifests/golden/tuf/valid/{f}")) for f in ("1.mlp.json", "2.targets.json")]
customs = [t["custom"] for d in docs for t in d["signed"]["targets"].values() if "custom" in t]
for i, c in enumerate(customs):
    put("target_custom", f"golden{i}.json", canon(c))
gpu = {"gpu": {"api": "vulkan", "vendor_ids": [20803, 5045]}, "min_os_version": "10", "os": ["android"],
       "quirks": [{"reason": "fp16 depthwise", "when": {"gpu": {"driver_version": {"max": "32.0"}, "vendor_ids": [5045]}}}]}
cpu = {"arch": ["arm64", "x86_64"], "cpu_features": ["neon"], "min_cores": 2, "max_cores": 8,
       "min_ram_mb": 1024, "max_ram_mb": 65536, "soc": ["SM8550"], "min_runtime_version": "0.1.0"}
c = dict(customs[0]); c.update(backend="vulkan", precision="fp16", variant="gpu-fp16", requires=gpu,
                               tuning={"workgroup_size": {"0x5143": [128, 1, 1], "default": [64, 1, 1]}})
put("target_custom", "vulkan_tuning.json", canon(c))
c = dict(customs[0]); c.update(requires=cpu, tuning={"threads": 4}, revoked=True, revoked_reason="bad")
put("target_custom", "cpu_tuning_revoked.json", canon(c))
for name, req in (("gpu", gpu), ("cpu", cpu), ("empty", {}), ("unknown_key", {"npu": {"tops": 4}}),
                  ("device_ids", {"gpu": {"device_ids": [1, 4294967295], "driver_version": {"min": "1.2.3.4"}}})):
    put("conditions", f"{name}.json", canon(req))

# .npy: every dtype the reader maps, scalars, empty and 2.0/3.0 headers, and refused layouts.
for dt in ("<f4", "<f2", "|i1", "|u1", "<i4", "<i8", "|b1"):
    np.save(f"{out}/npy/{dt[1:]}.npy", (np.arange(6) % 2).astype(dt).reshape(2, 3))
np.save(f"{out}/npy/scalar.npy", np.float32(1.5))
np.save(f"{out}/npy/empty.npy", np.zeros((0, 4), np.float32))
np.save(f"{out}/npy/fortran.npy", np.asfortranarray(np.ones((2, 3), np.float32)))
np.save(f"{out}/npy/big_endian.npy", np.ones(3, ">f4"))
np.save(f"{out}/npy/float64.npy", np.ones(3, np.float64))
from numpy.lib import format as npf
for v in ((2, 0), (3, 0)):
    with open(f"{out}/npy/v{v[0]}.npy", "wb") as f:
        npf.write_array(f, np.ones((1, 2), np.float32), version=v)
PY

cat > $out/deploy_spec/minimal.yaml <<'YAML'
format: 1
model: tiny
version: "1.0"
source: model.onnx
inputs:
  x: [1, 4]
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
YAML
cat > $out/deploy_spec/gpu_tuning_quirk.yaml <<'YAML'
format: 1
model: tiny
version: "2.0"
source: model.onnx
inputs: {x: [1, 3, 8, 8]}
gate: {min_cosine: 0.99, min_sqnr_db: 20}
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
    requires: {arch: [arm64, x86_64], min_ram_mb: 512, max_cores: 64}
    tuning: {threads: 2}
  - id: gpu-fp16
    backend: vulkan
    precision: fp16
    priority: 100
    requires:
      os: [android]
      min_os_version: "10"
      gpu: {api: vulkan, vendor_ids: [0x5143], driver_version: {min: "1.0"}}
    tuning:
      workgroup_size: {default: [64, 1, 1], "0x5143": [128, 1, 1]}
quirks:
  - when: {soc: [SM8550], gpu: {device_ids: [0x43050a01]}}
    deny: [gpu-fp16]
    reason: driver bug
  - when: {cpu_features: [avx2]}
    deny_all_backend: cpu
    reason: example
YAML
cat > $out/deploy_spec/mistakes.yaml <<'YAML'
format: 1
model: Tiny
version: 1.0
source: missing.onnx
inputs: {x: [1, -4]}
variants:
  - id: cpu
    backend: npu
    precison: fp32
    requires: {min_cores: 8, max_cores: 2, arch: [x86_64], cpu_features: [neon]}
  - id: cpu
    backend: vulkan
    precision: fp16
    tuning: {threads: 2, workgroup: {default: [2048, 1, 1]}}
YAML
# tuning.vulkan_params (GPU family -> parameter -> integer): in a target, a deploy.yaml, the
# device's install record and the backend's tuning text, with their edge cases.
mkdir -p $out/{install_record,vk_tuning}
vk_target() {  # vk_target NAME BACKEND TUNING_JSON
  printf '{"backend":"%s","format_version":1,"min_runtime_version":"0.1.0","model":"mlp","precision":"fp16","priority":100,"release":2,"requires":{"gpu":{"api":"vulkan","vendor_ids":[4318,4098,65541]}},"revoked":false,"tuning":%s,"variant":"gpu-fp16","version":"1.0"}' \
    "$2" "$3" > $out/target_custom/$1.json
}
vk_target vulkan_params vulkan '{"vulkan_params":{"0x10005":{},"0x10de":{"gemm_min_groups":512,"gemm_tile":8},"default":{"gemm_tile":16,"reduce_wg":32}},"workgroup_size":{"default":[64,1,1]}}'
vk_target vulkan_params_newer_names vulkan '{"subgroup_size":32,"vulkan_params":{"0xffffffff":{"a":9223372036854775807,"warp_hint_with_32_chars_exactly":-9223372036854775808}}}'
vk_target vulkan_params_on_cpu cpu '{"vulkan_params":{"default":{"gemm_tile":8}}}'
vk_target vulkan_params_bad_family vulkan '{"vulkan_params":{"0x010de":{"gemm_tile":8},"0X10DE":{"gemm_tile":8}}}'
vk_target vulkan_params_not_integer vulkan '{"vulkan_params":{"default":{"gemm_tile":8.0,"Gemm":1,"reduce_wg":18446744073709551615}}}'
cat > $out/deploy_spec/vulkan_params.yaml <<'YAML'
format: 1
model: tiny
version: "3.0"
source: model.onnx
inputs: {x: [1, 3, 8, 8]}
variants:
  - id: gpu-fp16
    backend: vulkan
    precision: fp16
    requires: {gpu: {api: vulkan, vendor_ids: [0x10de, 0x10005]}}
    tuning:
      workgroup_size: {default: [64, 1, 1]}
      vulkan_params:
        default: {gemm_tile: 16, gemm_regs: 4, reduce_wg: 64, elementwise_wg: 1024}
        "0x10de": {gemm_min_groups: 512, gemm_shared: 1, gemm_tile: 32}
        "0x10005": {}
    driver_quirks:
      - when: {gpu: {vendor_ids: [0x10005], driver_version: {max: "23.0"}}}
        action: tuning
        tuning: {gemm_shared: 0}
        reason: barriers are slow on lavapipe
YAML
cat > $out/deploy_spec/vulkan_params_mistakes.yaml <<'YAML'
format: 1
model: tiny
version: "3.0"
source: model.onnx
inputs: {x: [1, 4]}
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
    tuning: {threads: 2, vulkan_params: {default: {gemm_tile: 8}}}
  - id: gpu-fp16
    backend: vulkan
    precision: fp16
    tuning:
      vulkan_params:
        0x10de: {gemm_tile: 8}
        "0x010de": {gemm_tile: 8}
        "0X10DE": {gemm_tile: 8}
        default: {gemm_tile: 12, gemm_shared: 2, gemm_regs: 8, warp: 4, gemm_min_groups: -1,
                  elementwise_wg: 4294967296, reduce_wg: 9223372036854775808, Gemm_Tile: 1}
        "0x13b5": [gemm_tile, 8]
        "0x5143": {gemm_tile: [8]}
  - id: gpu-empty
    backend: vulkan
    precision: fp16
    tuning: {vulkan_params: {}}
YAML
# install_record: active.json, then (after a NUL byte) bad_variants.json.
rec() {  # rec NAME PARAMS_JSON
  printf '{"active":{"backend":"vulkan","file":"2-gpu-fp16.mota","params":%s,"release":2,"sha256":"%064d","variant":"gpu-fp16"},"previous":{"backend":"cpu","file":"1-cpu-fp32.mota","params":{"precision":"fp32","threads":4},"release":1,"sha256":"%064d","variant":"cpu-fp32"}}' \
    "$2" 0 0 > $out/install_record/$1.json
}
rec vulkan_params '{"precision":"fp16","vulkan_params":{"0x10005":{},"0x10de":{"gemm_min_groups":512,"gemm_tile":8},"default":{"gemm_tile":16}},"vulkan_quirks":"[]","workgroup_size":{"default":[64,1,1]}}'
rec vulkan_params_out_of_range '{"threads":-1,"vulkan_params":{"default,0x10de":{"gemm_tile=1,x":18446744073709551615,"y":-9223372036854775808}}}'
rec vulkan_params_not_objects '{"vulkan_params":{"default":[1,2]}}'
rec params_wrong_types '{"precision":7,"threads":"4","workgroup_size":{"default":[64,1]}}'
printf '{"active":null,"previous":null,"uninstalled":"revoked: \xff\xfe"}\0{"bad":[{"backend":"vulkan","reason":"self-test: wrong values","release":2,"variant":"gpu-fp16"}]}' \
  > $out/install_record/uninstalled_with_bad.json
printf '{"active":{"backend":"cpu","file":"../x.mota","release":1,"sha256":"","variant":"v"}}\0{"bad":[{"release":-1}]}' \
  > $out/install_record/escaping_file.json
printf '{"active":{"backend":"cpu","file":"1-v.mo' > $out/install_record/torn_write.json
# vk_tuning: the first byte picks the device (vk_tuning_fuzz.cc kDevices: 0 NVIDIA, 1 AMD,
# 2 Intel, 3 Mali, 4 Adreno, 5 lavapipe, 6 minimum limits, 7 zero limits; '0' is 48 = 0 mod 8).
vk() { printf '%s' "$2" > $out/vk_tuning/$1.txt; }
vk nvidia_family '00x10de:gemm_min_groups=512,0x10de:gemm_tile=8,default:gemm_tile=4'
vk nvidia_default_only '0default:gemm_tile=16,default:reduce_wg=32,elementwise_wg=256'
vk lavapipe_empty_entry '50x10005:,default:gemm_tile=8,gemm_shared=0'
vk minimum_limits_refused '6gemm_tile=32,gemm_regs=4'
vk zero_limits '7elementwise_wg=1'
vk mali_every_key '3elementwise_wg=64,gemm_tile=8,gemm_regs=2,reduce_wg=32,gemm_shared=1,gemm_min_groups=8'
vk mistakes '1,,gemm_tile,=4,gemm_tile=3,gemm_tile=-8,gemm_tile=4294967296,0x1002:,0X1002:gemm_tile=8,x:y=1'
echo "seeds: $(find $out -type f | wc -l) files, $(du -sh $out | cut -f1)"
