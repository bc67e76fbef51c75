#!/usr/bin/env bash
# Regenerates the small seed files under tests/fuzz/corpus/ (committed; a few KiB in all):
#   model_loader: .mota files converted from ONNX's node tests (conv, pooling, gemm, shape ops)
#   target_custom, conditions: custom objects and `requires` taken from manifests/golden/tuf and
#     the examples' deploy.yaml conditions; npy: numpy.save of every supported dtype and layout;
#   deploy_spec: small valid and invalid deploy.yaml files.
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
echo "seeds: $(find $out -type f | wc -l) files, $(du -sh $out | cut -f1)"
