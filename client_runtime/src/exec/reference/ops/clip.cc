// Clip: min(max(x, min), max) (ONNX Clip-13) for f32, i32, i64, i8 and u8. min and max are
// optional one-element inputs of x's dtype; an omitted bound does not clip. When min > max every
// element becomes max, as ONNX specifies. NaN inputs stay NaN.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

// Infinite defaults for f32 keep +-inf inputs unchanged when a bound is omitted.
template <typename T>
T NoLowerBound() {
  if constexpr (std::is_floating_point_v<T>) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}
template <typename T>
T NoUpperBound() {
  if constexpr (std::is_floating_point_v<T>) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

Status CheckBound(const InferContext& ctx, size_t i, const char* name) {
  if (!ctx.has_input(i)) return Status::Ok();
  MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, i, 0));
  const TensorView& bound = ctx.inputs[i];
  if (bound.numel() != 1) {
    return ctx.Error(name, " (input ", i, ") must hold one value, got shape ",
                     ShapeToString(bound.shape));
  }
  return Status::Ok();
}

Status InferClip(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, NumericTypes::kValues));
  MOTA_RETURN_IF_ERROR(CheckBound(ctx, 1, "min"));
  MOTA_RETURN_IF_ERROR(CheckBound(ctx, 2, "max"));
  ctx.outputs[0].dtype = ctx.inputs[0].dtype;
  ctx.outputs[0].shape = ctx.inputs[0].shape;
  return Status::Ok();
}

Status ComputeClip(KernelContext& ctx) {
  return Dispatch(NumericTypes{}, ctx.inputs[0].dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    const T lo = ctx.has_input(1) ? ctx.inputs[1].as<T>()[0] : NoLowerBound<T>();
    const T hi = ctx.has_input(2) ? ctx.inputs[2].as<T>()[0] : NoUpperBound<T>();
    UnaryLoop<T, T>(ctx, ctx.inputs[0], ctx.outputs[0],
                    [lo, hi](T x) { return std::min(std::max(x, lo), hi); });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(Clip, {"Clip", 1, 3, 1, 1, InferClip, ComputeClip});

}  // namespace mota::exec
