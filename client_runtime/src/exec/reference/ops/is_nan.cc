// IsNaN: true where x is NaN (ONNX IsNaN-13); f32 input, bool output.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeIsNaN(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx,
                           [](float x) { return static_cast<uint8_t>(std::isnan(x) ? 1 : 0); });
}

}  // namespace

MOTA_REGISTER_OP(IsNaN,
                 {"IsNaN", 1, 1, 1, 1, InferUnaryTo<FloatTypes, DType::kBool>, ComputeIsNaN});

}  // namespace mota::exec
