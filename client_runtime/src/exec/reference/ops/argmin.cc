// ArgMin (ONNX ArgMin-13): the index (i64) of the smallest element along `axis` (0).
// keepdims (1) keeps the axis as size 1; select_last_index (0) picks the last of equal elements
// instead of the first.
#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

Status ComputeArgMin(KernelContext& ctx) {
  return MOTA_DISPATCH_NUMERIC(ctx.inputs[0].dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    return RunArgReduce<T>(ctx, [](T a, T b) { return a < b; });
  });
}

}  // namespace

MOTA_REGISTER_OP(ArgMin, {"ArgMin", 1, 1, 1, 1, InferArgReduce, ComputeArgMin});

}  // namespace mota::exec
