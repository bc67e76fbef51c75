// Fast MatMul and Gemm (f32) on the blocked GEMM of fast/gemm.h. Same semantics as the reference
// kernels (exec/reference/ops/matmul.cc, gemm.cc); other dtypes go to the reference kernel.
#include <vector>

#include "exec/cpu/fast/gemm.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/op_util.h"

namespace mota::exec::fast {
namespace {

Status Reference(KernelContext& ctx) { return FindOp(ctx.node.op_type)->compute(ctx); }

struct MatMulDims {
  int64_t m = 0, k = 0, n = 0;
  Shape a_batch, b_batch, batch;
};

// The shapes were checked by InferMatMul; this recovers M, K, N and the batch dims.
Result<MatMulDims> MakeDims(const KernelContext& ctx) {
  const Shape& a = ctx.inputs[0].shape;
  const Shape& b = ctx.inputs[1].shape;
  MatMulDims d;
  d.m = a.size() == 1 ? 1 : a[a.size() - 2];
  d.k = a.back();
  d.n = b.size() == 1 ? 1 : b.back();
  if (a.size() > 2) d.a_batch.assign(a.begin(), a.end() - 2);
  if (b.size() > 2) d.b_batch.assign(b.begin(), b.end() - 2);
  MOTA_ASSIGN_OR_RETURN(d.batch, BroadcastShapes(d.a_batch, d.b_batch));
  return d;
}

Status ComputeMatMulFast(KernelContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  if (a.dtype != DType::kF32 || b.dtype != DType::kF32 || a.rank() == 0 || b.rank() == 0) {
    return Reference(ctx);
  }
  MOTA_ASSIGN_OR_RETURN(MatMulDims d, MakeDims(ctx));
  const float* pa = a.as<float>();
  const float* pb = b.as<float>();
  float* pc = ctx.outputs[0].as<float>();
  const int64_t batches = NumElements(d.batch);
  GemmArgs g{.m = d.m, .n = d.n, .k = d.k, .lda = d.k, .ldb = d.n, .ldc = d.n};
  // B shared by every batch and A dense: one tall GEMM (Linear layers).
  if (NumElements(d.b_batch) <= 1 && d.a_batch == d.batch) {
    g.m = batches * d.m;
    g.a = pa;
    g.b = pb;
    g.c = pc;
    GemmParallel(ctx.pool, g);
    return Status::Ok();
  }
  std::vector<int64_t> a_off(batches, 0), b_off(batches, 0);
  const std::vector<int64_t> sa = BroadcastStrides(d.a_batch, d.batch);
  const std::vector<int64_t> sb = BroadcastStrides(d.b_batch, d.batch);
  ForEachBroadcast2(d.batch, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) {
    a_off[i] = ia * d.m * d.k;
    b_off[i] = ib * d.k * d.n;
  });
  auto one = [&](int64_t i, ThreadPool* pool) {
    GemmArgs part = g;
    part.a = pa + a_off[i];
    part.b = pb + b_off[i];
    part.c = pc + i * d.m * d.n;
    GemmParallel(pool, part);
  };
  // Whole matrices per thread when there are enough of them (attention heads).
  const int threads = ctx.pool == nullptr ? 1 : ctx.pool->threads();
  if (batches >= threads && threads > 1 && batches % threads == 0) {
    ParallelFor(ctx.pool, batches, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) one(i, nullptr);
    });
  } else {
    for (int64_t i = 0; i < batches; ++i) one(i, ctx.pool);
  }
  return Status::Ok();
}

Status ComputeGemmFast(KernelContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  if (a.dtype != DType::kF32 || b.dtype != DType::kF32 || a.rank() != 2 || b.rank() != 2) {
    return Reference(ctx);
  }
  const bool ta = ctx.attrs().GetInt("transA", 0) != 0;
  const bool tb = ctx.attrs().GetInt("transB", 0) != 0;
  const float alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  const float beta = ctx.attrs().GetFloat("beta", 1.0f);
  const int64_t m = ta ? a.shape[1] : a.shape[0];
  const int64_t k = ta ? a.shape[0] : a.shape[1];
  const int64_t n = tb ? b.shape[0] : b.shape[1];
  float* y = ctx.outputs[0].as<float>();
  const bool has_c = ctx.has_input(2) && beta != 0.0f;
  if (has_c) {
    // Y = beta * C (broadcast) first; the GEMM accumulates into it. A C row (bias) is the
    // common case: copy rows instead of walking strides per element.
    const TensorView& c = ctx.inputs[2];
    const std::vector<int64_t> s = BroadcastStrides(c.shape, {m, n});
    const float* pc = c.as<float>();
    for (int64_t i = 0; i < m; ++i) {
      float* yi = y + i * n;
      const float* ci = pc + i * s[0];
      if (s[1] == 1) {
        for (int64_t j = 0; j < n; ++j) yi[j] = beta * ci[j];
      } else {
        for (int64_t j = 0; j < n; ++j) yi[j] = beta * ci[j * s[1]];
      }
    }
  }
  GemmParallel(ctx.pool, {.m = m,
                          .n = n,
                          .k = k,
                          .alpha = alpha,
                          .a = a.as<float>(),
                          .lda = a.shape[1],
                          .trans_a = ta,
                          .b = b.as<float>(),
                          .ldb = b.shape[1],
                          .trans_b = tb,
                          .beta = has_c ? 1.0f : 0.0f,
                          .c = y,
                          .ldc = n});
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(MatMul, ComputeMatMulFast);
MOTA_REGISTER_FAST_KERNEL(Gemm, ComputeGemmFast);

}  // namespace mota::exec::fast
