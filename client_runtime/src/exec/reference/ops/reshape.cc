// Reshape: the same elements under a new shape (ONNX Reshape-14). Input 1 holds the target shape
// (known at prepare time): 0 copies the input dim at that position unless allowzero=1, and one
// -1 is inferred from the element count.
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status ReshapeError(const InferContext& ctx, const Shape& in, const std::vector<int64_t>& spec,
                    const char* why) {
  return ctx.Error("cannot reshape ", ShapeToString(in), " (", NumElements(in), " elements) to ",
                   ShapeToString(spec), ": ", why);
}

Status InferReshape(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> spec,
                        KnownIntValues(ctx.node, ctx.inputs, 1, "shape"));
  const bool allowzero = ctx.attrs().GetInt("allowzero", 0) != 0;
  Shape out(spec.size());
  int64_t infer_at = -1;
  int64_t known = 1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == -1) {
      if (infer_at >= 0) return ReshapeError(ctx, data.shape, spec, "more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (d < -1) return ReshapeError(ctx, data.shape, spec, "dims must be >= -1");
    if (d == 0 && !allowzero) {
      if (static_cast<int64_t>(i) >= data.rank()) {
        return ReshapeError(ctx, data.shape, spec, "a 0 copies an input dim that does not exist");
      }
      d = data.shape[i];
    }
    has_zero |= d == 0;
    out[i] = d;
    known *= d;
  }
  const int64_t total = data.numel();
  if (infer_at >= 0) {
    if (allowzero && has_zero) {
      return ReshapeError(ctx, data.shape, spec,
                          "with allowzero=1 a shape cannot hold both 0 and -1");
    }
    if (known == 0 || total % known != 0) {
      return ReshapeError(ctx, data.shape, spec, "the -1 dim cannot be inferred");
    }
    out[infer_at] = total / known;
  } else if (known != total) {
    return ReshapeError(ctx, data.shape, spec, "the element counts differ");
  }
  ctx.outputs[0] = {data.dtype, out, nullptr};
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Reshape, {"Reshape", 2, 2, 1, 1, InferReshape, ComputeCopyInput0});

}  // namespace mota::exec
