// Size: the input's element count as an i64 scalar (ONNX Size-13). Reads no data, so the planner
// evaluates it at prepare time (shape_only).
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferSize(InferContext& ctx) {
  ctx.outputs[0] = {DType::kI64, {}, nullptr};
  return Status::Ok();
}

Status ComputeSize(KernelContext& ctx) {
  *ctx.outputs[0].as<int64_t>() = ctx.inputs[0].numel();
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Size, {"Size", 1, 1, 1, 1, InferSize, ComputeSize, /*shape_only=*/true});

}  // namespace mota::exec
