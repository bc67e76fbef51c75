// Range: start, start + delta, ... up to (excluding) limit (ONNX Range-11). The three scalar
// inputs (f32, i32 or i64, one dtype) must be known at prepare time since they fix the output
// length max(ceil((limit - start) / delta), 0).
#include <cmath>

#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Result<int64_t> RangeLength(const model::Node& node, std::span<const TensorView> inputs) {
  const DType dtype = inputs[0].dtype;
  if (dtype != DType::kF32 && dtype != DType::kI32 && dtype != DType::kI64) {
    return NodeError(node, "start must be f32, i32 or i64, got ", DTypeName(dtype));
  }
  for (size_t i = 0; i < 3; ++i) {
    if (inputs[i].dtype != dtype || inputs[i].numel() != 1) {
      return NodeError(node, "input ", i, " must be a ", DTypeName(dtype), " scalar, got ",
                       DTypeName(inputs[i].dtype), ShapeToString(inputs[i].shape));
    }
  }
  if (dtype == DType::kF32) {
    MOTA_ASSIGN_OR_RETURN(std::vector<double> start, KnownDoubleValues(node, inputs, 0, "start"));
    MOTA_ASSIGN_OR_RETURN(std::vector<double> limit, KnownDoubleValues(node, inputs, 1, "limit"));
    MOTA_ASSIGN_OR_RETURN(std::vector<double> delta, KnownDoubleValues(node, inputs, 2, "delta"));
    // In double, as numpy.arange (the ONNX reference) does.
    const double n = std::ceil((limit[0] - start[0]) / delta[0]);
    if (delta[0] == 0 || !std::isfinite(n) || n > 1e12) {
      return NodeError(node, "cannot make a range from ", start[0], " to ", limit[0], " by ",
                       delta[0]);
    }
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> start, KnownIntValues(node, inputs, 0, "start"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> limit, KnownIntValues(node, inputs, 1, "limit"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> delta, KnownIntValues(node, inputs, 2, "delta"));
  if (delta[0] == 0) return NodeError(node, "delta is 0; it must be nonzero");
  const __int128 span = static_cast<__int128>(limit[0]) - start[0];
  const __int128 d = delta[0];
  // Integer ceil division toward +infinity.
  __int128 n = span / d;
  if (n * d != span && ((span > 0) == (d > 0))) ++n;
  if (n > (int64_t{1} << 40))
    return NodeError(node, "the range from ", start[0], " to ", limit[0], " by ", delta[0],
                     " is too long");
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

Status InferRange(InferContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(int64_t n, RangeLength(ctx.node, ctx.inputs));
  ctx.outputs[0] = {ctx.inputs[0].dtype, {n}, nullptr};
  return Status::Ok();
}

template <typename T>
void FillRange(const KernelContext& ctx) {
  const T start = *ctx.inputs[0].as<T>();
  const T delta = *ctx.inputs[2].as<T>();
  T* out = ctx.outputs[0].as<T>();
  const int64_t n = ctx.outputs[0].numel();
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

Status ComputeRange(KernelContext& ctx) {
  switch (ctx.inputs[0].dtype) {
    case DType::kF32:
      FillRange<float>(ctx);
      break;
    case DType::kI32:
      FillRange<int32_t>(ctx);
      break;
    case DType::kI64:
      FillRange<int64_t>(ctx);
      break;
    default:
      return ctx.Error("dtype ", DTypeName(ctx.inputs[0].dtype), " is not supported");
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Range, {"Range", 3, 3, 1, 1, InferRange, ComputeRange});

}  // namespace mota::exec
