// Trilu: keeps the upper (upper=1, default) or lower triangle of the last two dims and zeroes the
// rest (ONNX Trilu-14). Input 1, an optional i64 scalar k, shifts the diagonal: upper keeps
// j - i >= k, lower keeps j - i <= k.
#include <algorithm>
#include <cstring>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferTrilu(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  if (in.rank() < 2) return ctx.Error("input must have rank >= 2, got ", ShapeToString(in.shape));
  if (ctx.has_input(1) && ctx.inputs[1].numel() != 1) {
    return ctx.Error("k must be a scalar, got shape ", ShapeToString(ctx.inputs[1].shape));
  }
  ctx.outputs[0] = {in.dtype, in.shape, nullptr};
  return Status::Ok();
}

Status ComputeTrilu(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const bool upper = ctx.attrs().GetInt("upper", 1) != 0;
  const int64_t k = ctx.has_input(1) ? ReadIntValues(ctx.inputs[1]).at(0) : 0;
  const int64_t rows = in.shape[in.rank() - 2], cols = in.shape[in.rank() - 1];
  const int64_t mats = rows * cols == 0 ? 0 : in.numel() / (rows * cols);
  const size_t elem = DTypeSize(in.dtype);
  const uint8_t* src = static_cast<const uint8_t*>(in.data);
  uint8_t* dst = static_cast<uint8_t*>(ctx.outputs[0].data);
  std::memset(dst, 0, ctx.outputs[0].nbytes());
  for (int64_t m = 0; m < mats; ++m) {
    for (int64_t i = 0; i < rows; ++i) {
      // Kept columns: [i + k, cols) for upper, [0, i + k] for lower; k is clamped first so that
      // i + k cannot overflow.
      const int64_t edge = std::clamp<int64_t>(k, -cols - rows, cols + rows) + i;
      const int64_t lo = upper ? std::clamp<int64_t>(edge, 0, cols) : 0;
      const int64_t hi = upper ? cols : std::clamp<int64_t>(edge + 1, 0, cols);
      if (hi <= lo) continue;
      const size_t off = static_cast<size_t>((m * rows + i) * cols + lo) * elem;
      std::memcpy(dst + off, src + off, static_cast<size_t>(hi - lo) * elem);
    }
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Trilu, {"Trilu", 1, 2, 1, 1, InferTrilu, ComputeTrilu});

}  // namespace mota::exec
