// QLinearMul (mota op, ONNX Runtime com.microsoft signature): A, A_scale, A_zero_point?, B,
// B_scale, B_zero_point?, C_scale, C_zero_point?. C = quantize(act(real(A) * real(B))) with
// numpy broadcasting; i8 or u8, one dtype for A, B and C; per-tensor parameters only.
#include "exec/reference/qlinear_util.h"

namespace mota::exec {
namespace {

Status ComputeQLinearMul(KernelContext& ctx) {
  return ComputeQLinearBinary(ctx, [](float a, float b) { return a * b; });
}

}  // namespace

MOTA_REGISTER_OP(QLinearMul, {"QLinearMul", 7, 8, 1, 1, InferQLinearBinary, ComputeQLinearMul});

}  // namespace mota::exec
