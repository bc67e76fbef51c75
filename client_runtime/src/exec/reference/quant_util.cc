#include "exec/reference/quant_util.h"

#include <string>

namespace mota::exec {
namespace {

bool IsQuantDType(DType d) { return d == DType::kI8 || d == DType::kU8 || d == DType::kI32; }

Status CheckScaleView(const TensorView& scale, const model::Node& node, int input,
                      int64_t channels) {
  const auto where = [&] {
    return std::string(node.op_type) + " node '" + node.name + "': input " + std::to_string(input) +
           " (scale)";
  };
  if (scale.dtype != DType::kF32)
    return InvalidArgument(where(), " has dtype ", DTypeName(scale.dtype), "; expected f32");
  if (scale.rank() > 1)
    return InvalidArgument(where(), " has shape ", ShapeToString(scale.shape),
                           "; expected a scalar or a 1-D tensor");
  const int64_t n = scale.numel();
  if (n != 1 && n != channels)
    return InvalidArgument(
        where(), " has ", n, " values; expected 1",
        channels > 1 ? " or " + std::to_string(channels) + " (one per channel)" : std::string());
  return Status::Ok();
}

Status CheckZeroPointView(const TensorView& zp, const TensorView& scale, const model::Node& node,
                          int input) {
  const auto where = [&] {
    return std::string(node.op_type) + " node '" + node.name + "': input " + std::to_string(input) +
           " (zero point)";
  };
  if (!IsQuantDType(zp.dtype))
    return InvalidArgument(where(), " has dtype ", DTypeName(zp.dtype), "; expected i8, u8 or i32");
  if (zp.numel() != scale.numel())
    return InvalidArgument(where(), " has ", zp.numel(), " values but the scale has ",
                           scale.numel(), "; expected the same count");
  return Status::Ok();
}

}  // namespace

Status CheckQuantOperand(const InferContext& ctx, int scale_input, int zp_input, int64_t channels) {
  if (!ctx.has_input(scale_input)) return ctx.Error("input ", scale_input, " (scale) is missing");
  MOTA_RETURN_IF_ERROR(CheckScaleView(ctx.inputs[scale_input], ctx.node, scale_input, channels));
  if (zp_input >= 0 && ctx.has_input(zp_input))
    MOTA_RETURN_IF_ERROR(
        CheckZeroPointView(ctx.inputs[zp_input], ctx.inputs[scale_input], ctx.node, zp_input));
  return Status::Ok();
}

Result<QuantOperand> ReadQuantOperand(const KernelContext& ctx, int scale_input, int zp_input,
                                      int64_t channels) {
  if (!ctx.has_input(scale_input)) return ctx.Error("input ", scale_input, " (scale) is missing");
  const TensorView& scale = ctx.inputs[scale_input];
  MOTA_RETURN_IF_ERROR(CheckScaleView(scale, ctx.node, scale_input, channels));
  QuantOperand q;
  q.scales.assign(scale.as<const float>(), scale.as<const float>() + scale.numel());
  for (float s : q.scales)
    if (!(s > 0) || !std::isfinite(s))
      return ctx.Error("input ", scale_input, " (scale) holds ", s,
                       "; expected a finite value > 0");
  if (zp_input >= 0 && ctx.has_input(zp_input)) {
    const TensorView& zp = ctx.inputs[zp_input];
    MOTA_RETURN_IF_ERROR(CheckZeroPointView(zp, scale, ctx.node, zp_input));
    q.dtype = zp.dtype;
    for (int64_t i = 0; i < zp.numel(); ++i) q.zero_points.push_back(ReadQuantElement(zp, i));
  } else {
    q.dtype = DType::kU8;
    q.zero_points.assign(q.scales.size(), 0);
  }
  return q;
}

int64_t QuantMin(DType dtype) {
  switch (dtype) {
    case DType::kI8:
      return -128;
    case DType::kU8:
      return 0;
    case DType::kI32:
      return std::numeric_limits<int32_t>::min();
    default:
      return 0;
  }
}

int64_t QuantMax(DType dtype) {
  switch (dtype) {
    case DType::kI8:
      return 127;
    case DType::kU8:
      return 255;
    case DType::kI32:
      return std::numeric_limits<int32_t>::max();
    default:
      return 0;
  }
}

int32_t ReadQuantElement(const TensorView& t, int64_t i) {
  switch (t.dtype) {
    case DType::kI8:
      return t.as<const int8_t>()[i];
    case DType::kU8:
      return t.as<const uint8_t>()[i];
    case DType::kI32:
      return t.as<const int32_t>()[i];
    default:
      return 0;
  }
}

void WriteQuantElement(const TensorView& t, int64_t i, int32_t value) {
  switch (t.dtype) {
    case DType::kI8:
      t.as<int8_t>()[i] = static_cast<int8_t>(value);
      break;
    case DType::kU8:
      t.as<uint8_t>()[i] = static_cast<uint8_t>(value);
      break;
    case DType::kI32:
      t.as<int32_t>()[i] = value;
      break;
    default:
      break;
  }
}

}  // namespace mota::exec
