// Gemm (ONNX Gemm-13): Y = alpha * op(A) * op(B) + beta * C, with op = transpose when transA /
// transB is 1. A and B are 2-D; C is optional and broadcasts (unidirectionally) to [M, N].
#include "exec/reference/gemm_util.h"
#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

struct GemmDims {
  int64_t m = 0, k = 0, n = 0;
};

Result<GemmDims> MakeDims(const model::Node& node, const TensorView& a, const TensorView& b) {
  auto error = [&](const auto&... args) {
    return InvalidArgument("Gemm node '", node.name, "': ", args...);
  };
  if (a.dtype != DType::kF32 || b.dtype != DType::kF32) {
    return error("expects f32 A and B, got ", DTypeName(a.dtype), " and ", DTypeName(b.dtype));
  }
  if (a.rank() != 2 || b.rank() != 2) {
    return error("A ", ShapeToString(a.shape), " and B ", ShapeToString(b.shape), " must be 2-D");
  }
  const bool ta = node.attrs.GetInt("transA", 0) != 0;
  const bool tb = node.attrs.GetInt("transB", 0) != 0;
  GemmDims d;
  d.m = ta ? a.shape[1] : a.shape[0];
  d.k = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0];
  d.n = tb ? b.shape[0] : b.shape[1];
  if (d.k != kb) {
    return error("op(A) from ", ShapeToString(a.shape), " (transA ", ta, ") has K = ", d.k,
                 " but op(B) from ", ShapeToString(b.shape), " (transB ", tb, ") has K = ", kb);
  }
  return d;
}

Status InferGemm(InferContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(GemmDims d, MakeDims(ctx.node, ctx.inputs[0], ctx.inputs[1]));
  if (ctx.has_input(2)) {
    const TensorView& c = ctx.inputs[2];
    const Shape mn = {d.m, d.n};
    Result<Shape> bc = BroadcastShapes(c.shape, mn);
    if (c.dtype != DType::kF32 || c.rank() > 2 || !bc.ok() || *bc != mn) {
      return ctx.Error("C has dtype ", DTypeName(c.dtype), " shape ", ShapeToString(c.shape),
                       "; expected f32 broadcastable to ", ShapeToString(mn));
    }
  }
  ctx.outputs[0] = {DType::kF32, {d.m, d.n}, nullptr};
  return Status::Ok();
}

Status ComputeGemm(KernelContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  MOTA_ASSIGN_OR_RETURN(GemmDims d, MakeDims(ctx.node, a, b));
  const float alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  const float beta = ctx.attrs().GetFloat("beta", 1.0f);
  float* y = ctx.outputs[0].as<float>();
  const bool has_c = ctx.has_input(2) && beta != 0.0f;
  if (has_c) {
    // Y = beta * C first; the GEMM then accumulates into it.
    const TensorView& c = ctx.inputs[2];
    const std::vector<int64_t> strides = BroadcastStrides(c.shape, {d.m, d.n});
    const float* pc = c.as<float>();
    for (int64_t i = 0; i < d.m; ++i) {
      for (int64_t j = 0; j < d.n; ++j) y[i * d.n + j] = beta * pc[i * strides[0] + j * strides[1]];
    }
  }
  GemmF32Parallel(ctx.pool, {.m = d.m,
                             .n = d.n,
                             .k = d.k,
                             .alpha = alpha,
                             .a = a.as<float>(),
                             .lda = a.shape[1],
                             .trans_a = ctx.attrs().GetInt("transA", 0) != 0,
                             .b = b.as<float>(),
                             .ldb = b.shape[1],
                             .trans_b = ctx.attrs().GetInt("transB", 0) != 0,
                             .beta = has_c ? 1.0f : 0.0f,
                             .c = y,
                             .ldc = d.n});
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Gemm, {"Gemm", 2, 3, 1, 1, InferGemm, ComputeGemm});

}  // namespace mota::exec
