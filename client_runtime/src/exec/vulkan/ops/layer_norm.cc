// LayerNormalization (f32, ONNX LayerNormalization-17) as one dispatch: per row of
// X.shape[axis:], mean and variance reduced in shared memory, then scale and bias. Scale and B
// may broadcast to X.shape[axis:] when known at prepare time (expanded once into the weights);
// the optional Mean and InvStdDev outputs are written too.
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t rows, len;
  float epsilon;
};

struct Rows {
  int64_t rows = 1, len = 1;
  Shape norm;  // X.shape[axis:]
};

Result<Rows> RowsOf(const OpContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  int64_t axis = ctx.attrs().GetInt("axis", -1);
  if (rank == 0 || axis < -rank || axis >= rank) {
    return ctx.Error("axis ", axis, " is out of range for X of rank ", rank);
  }
  if (axis < 0) axis += rank;
  Rows r;
  for (int64_t d = 0; d < axis; ++d) r.rows *= x[d];
  r.norm.assign(x.begin() + axis, x.end());
  r.len = NumElements(r.norm);
  return r;
}

// Scale / B broadcast to `norm` (right-aligned numpy rules), or empty when it does not.
std::vector<float> Expand(const GpuTensor& t, const Shape& norm) {
  if (t.shape.size() > norm.size()) return {};
  const size_t lead = norm.size() - t.shape.size();
  std::vector<int64_t> strides(norm.size(), 0);
  int64_t stride = 1;
  for (size_t d = norm.size(); d-- > lead;) {
    const int64_t n = t.shape[d - lead];
    if (n != 1 && n != norm[d]) return {};
    strides[d] = n == 1 ? 0 : stride;
    stride *= n;
  }
  std::vector<float> out(static_cast<size_t>(NumElements(norm)));
  const float* src = static_cast<const float*>(t.host);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t rest = static_cast<int64_t>(i), s = 0;
    for (size_t d = norm.size(); d-- > 0;) {
      s += (rest % norm[d]) * strides[d];
      rest /= norm[d];
    }
    out[i] = src[s];
  }
  return out;
}

Status CheckAffine(const OpContext& ctx, size_t i, const Rows& r) {
  if (!ctx.has_input(i)) return Status::Ok();
  const GpuTensor& t = ctx.inputs[i];
  if (t.shape == r.norm) return Status::Ok();
  if (t.host == nullptr) return ctx.Unsupported("input ", i, " broadcasts and is not a constant");
  if (Expand(t, r.norm).empty()) {
    return ctx.Error("input ", i, " shape ", ShapeToString(t.shape), " does not broadcast to ",
                     ShapeToString(r.norm));
  }
  return Status::Ok();
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (!ctx.has_input(1)) return ctx.Error("input Scale is required");
  if (ctx.outputs.size() > 3 ||
      (ctx.outputs.size() == 3 && !ctx.outputs[1].present() && ctx.outputs[2].present())) {
    return ctx.Unsupported("InvStdDev without Mean");
  }
  MOTA_ASSIGN_OR_RETURN(const Rows r, RowsOf(ctx));
  MOTA_RETURN_IF_ERROR(CheckAffine(ctx, 1, r));
  return CheckAffine(ctx, 2, r);
}

// The region of Scale (i = 1) or B (i = 2), expanded into the weights when it broadcasts.
Region Affine(OpBuilder& b, size_t i, const Rows& r) {
  const GpuTensor& t = b.inputs[i];
  if (t.shape == r.norm) return b.Input(i);
  const std::vector<float> v = Expand(t, r.norm);
  return b.AddFloats(v);  // fp16 in an fp16 executable, as the shader reads it
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(const Rows r, RowsOf(b));
  Push p{static_cast<uint32_t>(r.rows), static_cast<uint32_t>(r.len),
         b.attrs().GetFloat("epsilon", 1e-5f)};
  const Region scale = Affine(b, 1, r);
  const bool has_bias = b.has_input(2);
  const Region bias = has_bias ? Affine(b, 2, r) : scale;
  const Region y = b.outputs[0].region;
  uint32_t stats = 0;
  while (stats + 1 < b.outputs.size() && b.outputs[stats + 1].present()) ++stats;
  const Region mean = stats >= 1 ? b.outputs[1].region : y;
  const Region inv = stats >= 2 ? b.outputs[2].region : y;
  uint32_t gx, gy;
  Groups1D(b.device, p.rows, 1, &gx, &gy);
  b.Add("layer_norm", {b.tuning.reduce_wg, has_bias ? 1u : 0u, stats}, p, {b.Input(0), scale, bias},
        {y, mean, inv}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(LayerNormalization,
                    {"LayerNormalization", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
