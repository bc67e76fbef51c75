// Sigmoid: 1 / (1 + exp(-x)) (ONNX Sigmoid-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSigmoid(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}

}  // namespace

MOTA_REGISTER_OP(Sigmoid, {"Sigmoid", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSigmoid});

}  // namespace mota::exec
