// Relu: max(x, 0) (ONNX Relu-14).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeRelu(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return x > 0.0f ? x : 0.0f; });
}

}  // namespace

MOTA_REGISTER_OP(Relu, {"Relu", 1, 1, 1, 1, InferSameAsInput0, ComputeRelu});

}  // namespace mota::exec
