// QLinearConcat (mota op, ONNX Runtime com.microsoft signature): Y_scale, Y_zero_point?, then
// (X_i, X_i_scale, X_i_zero_point?) for each input; attr axis. Joins the inputs along `axis` like
// Concat, requantizing each to Y's parameters: y = quantize(real(x)) with Y's scale and zero
// point. An input whose parameters equal Y's is copied byte for byte. i8 or u8 (one dtype for
// every X_i and Y), per-tensor parameters.
#include <array>
#include <cstring>
#include <limits>
#include <string>

#include "exec/reference/qlinear_util.h"

namespace mota::exec {
namespace {

constexpr int kYScale = 0;
constexpr int kYZp = 1;
constexpr int kFirstX = 2;  // X_i is input 2 + 3i, its scale 3 + 3i, its zero point 4 + 3i

int XInput(size_t i) { return kFirstX + 3 * static_cast<int>(i); }
std::string XName(size_t i) { return "X" + std::to_string(i); }

// Input i of the concatenation must match input 0 everywhere but on `axis`.
Status CheckConcatShape(const InferContext& ctx, size_t i, int64_t axis) {
  const TensorView& first = ctx.inputs[kFirstX];
  const TensorView& t = ctx.inputs[XInput(i)];
  bool match = t.rank() == first.rank();
  for (int64_t d = 0; match && d < first.rank(); ++d)
    match = d == axis || t.shape[d] == first.shape[d];
  if (match) return Status::Ok();
  return ctx.Error("input ", XInput(i), " (", XName(i), ") has shape ", ShapeToString(t.shape),
                   " but input 2 (X0) has ", ShapeToString(first.shape),
                   "; they may differ only on axis ", axis);
}

Status InferQLinearConcat(InferContext& ctx) {
  const size_t n = ctx.num_inputs();
  if (n < 5 || (n - kFirstX) % 3 != 0) {
    return ctx.Error("has ", n, " inputs; expected Y_scale, Y_zero_point, then 3 per input ",
                     "(X_i, X_i_scale, X_i_zero_point): 5, 8, 11, ...");
  }
  MOTA_RETURN_IF_ERROR(CheckInt8Operand(ctx, kFirstX, "X0"));
  const TensorView& first = ctx.inputs[kFirstX];
  if (first.rank() == 0) return ctx.Error("cannot concatenate scalars (input 2 (X0) has rank 0)");
  MOTA_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx.attrs().GetInt("axis", 0), first.rank(), ctx));
  MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, kYScale, kYZp, "Y", first.dtype));
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t i = 0; i < (n - kFirstX) / 3; ++i) {
    const std::string name = XName(i);
    MOTA_RETURN_IF_ERROR(CheckInt8Operand(ctx, XInput(i), name));
    const TensorView& t = ctx.inputs[XInput(i)];
    if (t.dtype != first.dtype) {
      return ctx.Error("input ", XInput(i), " (", name, ") has dtype ", DTypeName(t.dtype),
                       " but input 2 (X0) has ", DTypeName(first.dtype),
                       "; every X_i and Y share one dtype");
    }
    MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, XInput(i) + 1, XInput(i) + 2, name, t.dtype));
    MOTA_RETURN_IF_ERROR(CheckConcatShape(ctx, i, axis));
    out[axis] += t.shape[axis];
  }
  ctx.outputs[0] = {first.dtype, out, nullptr};
  return Status::Ok();
}

// Output code of every input code of an 8-bit dtype (indexed by byte value): requantizing a
// whole tensor is then one lookup per element.
std::array<uint8_t, 256> RequantTable(const TensorQuant& x, const TensorQuant& y, DType dtype) {
  std::array<uint8_t, 256> t{};
  const int32_t lo = static_cast<int32_t>(QuantMin(dtype));
  for (int32_t i = 0; i < 256; ++i) {
    const int32_t code = lo + i;
    const int32_t q = QuantizeValue(x.Dequantize(code), y.scale, y.zero_point, dtype);
    // Index and value are both the code's byte (two's complement for i8).
    t[static_cast<uint8_t>(code)] = static_cast<uint8_t>(q);
  }
  return t;
}

Status ComputeQLinearConcat(KernelContext& ctx) {
  const TensorView& out = ctx.outputs[0];
  const DType dtype = out.dtype;
  MOTA_ASSIGN_OR_RETURN(TensorQuant qy, ReadTensorQuant(ctx, kYScale, kYZp, "Y", dtype));
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), out.rank()).value();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out.shape[d];
  if (outer == 0 || out.numel() == 0) return Status::Ok();
  const int64_t out_row = out.numel() / outer;  // 8-bit dtypes: elements are bytes
  uint8_t* dst = out.as<uint8_t>();
  int64_t offset = 0;
  for (size_t i = 0; XInput(i) < static_cast<int>(ctx.inputs.size()); ++i) {
    const TensorView& in = ctx.inputs[XInput(i)];
    MOTA_ASSIGN_OR_RETURN(TensorQuant qx,
                          ReadTensorQuant(ctx, XInput(i) + 1, XInput(i) + 2, XName(i), dtype));
    const int64_t row = in.numel() / outer;
    const uint8_t* src = in.as<const uint8_t>();
    if (qx == qy) {
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(dst + o * out_row + offset, src + o * row, static_cast<size_t>(row));
    } else {
      const std::array<uint8_t, 256> table = RequantTable(qx, qy, dtype);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < row; ++j) dst[o * out_row + offset + j] = table[src[o * row + j]];
    }
    offset += row;
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(QLinearConcat, {"QLinearConcat", 5, std::numeric_limits<int>::max(), 1, 1,
                                 InferQLinearConcat, ComputeQLinearConcat});

}  // namespace mota::exec
