// IsInf: true where x is infinite (ONNX IsInf-10); f32 input, bool output. Attributes
// detect_negative and detect_positive (both 1 by default) choose which infinities count.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeIsInf(KernelContext& ctx) {
  const bool negative = ctx.attrs().GetInt("detect_negative", 1) != 0;
  const bool positive = ctx.attrs().GetInt("detect_positive", 1) != 0;
  return ComputeUnaryFloat(ctx, [negative, positive](float x) {
    const bool hit = std::isinf(x) && (x > 0 ? positive : negative);
    return static_cast<uint8_t>(hit ? 1 : 0);
  });
}

}  // namespace

MOTA_REGISTER_OP(IsInf,
                 {"IsInf", 1, 1, 1, 1, InferUnaryTo<FloatTypes, DType::kBool>, ComputeIsInf});

}  // namespace mota::exec
