// ConstantOfShape: a tensor of the shape given by input 0 (i64, known at prepare time) filled
// with one value (ONNX ConstantOfShape-20). Attributes (mota form): `dtype`, a mota DType number
// (default f32), and `value_float` or `value_int` (default 0).
#include <cstring>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Result<DType> OutputDType(const model::Node& node) {
  const int64_t raw = node.attrs.GetInt("dtype", static_cast<int64_t>(DType::kF32));
  if (raw < 0 || !IsValidDType(static_cast<uint32_t>(raw))) {
    return NodeError(node, "dtype ", raw, " is not a mota DType number (1..", kMaxDType, ")");
  }
  return static_cast<DType>(raw);
}

Status InferConstantOfShape(InferContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(DType dtype, OutputDType(ctx.node));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        KnownIntValues(ctx.node, ctx.inputs, 0, "shape"));
  if (ctx.inputs[0].rank() > 1) {
    return ctx.Error("the shape input must be 1-D, got shape ", ShapeToString(ctx.inputs[0].shape));
  }
  if (NumElements(shape) < 0)
    return ctx.Error("shape ", ShapeToString(shape), " has a negative dim");
  ctx.outputs[0] = {dtype, shape, nullptr};
  return Status::Ok();
}

// Fills `out` with `v` converted to T (f16 is handled by the caller).
template <typename T>
void Fill(const TensorView& out, T v) {
  std::fill_n(out.as<T>(), out.numel(), v);
}

Status ComputeConstantOfShape(KernelContext& ctx) {
  const TensorView& out = ctx.outputs[0];
  const model::Attributes& at = ctx.attrs();
  const bool is_float = IsFloatDType(out.dtype);
  // Integer outputs prefer value_int (exact for large i64), float outputs value_float.
  const bool use_int = at.Has("value_int") && (!is_float || !at.Has("value_float"));
  const int64_t iv =
      use_int ? at.GetInt("value_int", 0) : static_cast<int64_t>(at.GetFloat("value_float", 0));
  const double fv = use_int ? static_cast<double>(iv) : at.GetFloat("value_float", 0);
  switch (out.dtype) {
    case DType::kF32:
      Fill<float>(out, static_cast<float>(fv));
      break;
    case DType::kF16:
      Fill<uint16_t>(out, FloatToHalf(static_cast<float>(fv)));
      break;
    case DType::kI8:
      Fill<int8_t>(out, static_cast<int8_t>(iv));
      break;
    case DType::kU8:
      Fill<uint8_t>(out, static_cast<uint8_t>(iv));
      break;
    case DType::kI32:
      Fill<int32_t>(out, static_cast<int32_t>(iv));
      break;
    case DType::kI64:
      Fill<int64_t>(out, iv);
      break;
    case DType::kBool:
      Fill<uint8_t>(out, (use_int ? iv != 0 : fv != 0) ? 1 : 0);
      break;
    default:
      return ctx.Error("dtype ", DTypeName(out.dtype), " is not supported");
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(ConstantOfShape,
                 {"ConstantOfShape", 1, 1, 1, 1, InferConstantOfShape, ComputeConstantOfShape});

}  // namespace mota::exec
