// MatMul (ONNX MatMul-13): numpy matmul. A [..., M, K] x B [..., K, N] -> [..., M, N] with the
// batch dims broadcast; a 1-D A is [1, K] with M dropped from the result, a 1-D B is [K, 1]
// with N dropped. f32 runs on the blocked GEMM; i32 / i64 on a plain loop.
#include <vector>

#include "exec/reference/gemm_util.h"
#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

Status InferMatMul(InferContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  if (a.dtype != b.dtype ||
      (a.dtype != DType::kF32 && a.dtype != DType::kI32 && a.dtype != DType::kI64)) {
    return ctx.Error("expects A and B of one dtype among f32, i32, i64; got ", DTypeName(a.dtype),
                     " and ", DTypeName(b.dtype));
  }
  MOTA_ASSIGN_OR_RETURN(MatMulShape s, MakeMatMulShape(ctx.node, a.shape, b.shape));
  ctx.outputs[0] = {a.dtype, s.out, nullptr};
  return Status::Ok();
}

// Element offsets of each batch's A and B matrices.
void BatchOffsets(const MatMulShape& s, std::vector<int64_t>& a_off, std::vector<int64_t>& b_off) {
  const int64_t batches = NumElements(s.batch);
  a_off.assign(batches, 0);
  b_off.assign(batches, 0);
  if (s.batch.empty()) return;
  std::vector<int64_t> sa = BroadcastStrides(s.a_batch, s.batch);
  std::vector<int64_t> sb = BroadcastStrides(s.b_batch, s.batch);
  ForEachBroadcast2(s.batch, sa, sb, [&](int64_t i, int64_t ia, int64_t ib) {
    a_off[i] = ia * s.m * s.k;
    b_off[i] = ib * s.k * s.n;
  });
}

template <typename T>
void NaiveMatMul(const T* a, const T* b, T* c, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * n;
    for (int64_t j = 0; j < n; ++j) ci[j] = 0;
    for (int64_t p = 0; p < k; ++p) {
      const T av = a[i * k + p];
      const T* bp = b + p * n;
      for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
    }
  }
}

void MatMulF32(KernelContext& ctx, const MatMulShape& s, const float* a, const float* b, float* c) {
  const int64_t batches = NumElements(s.batch);
  // B shared by every batch and A dense: one tall GEMM (the common Linear-layer case).
  if (NumElements(s.b_batch) <= 1 && s.a_batch == s.batch) {
    GemmF32Parallel(ctx.pool, {.m = batches * s.m,
                               .n = s.n,
                               .k = s.k,
                               .a = a,
                               .lda = s.k,
                               .b = b,
                               .ldb = s.n,
                               .c = c,
                               .ldc = s.n});
    return;
  }
  std::vector<int64_t> a_off, b_off;
  BatchOffsets(s, a_off, b_off);
  auto one = [&](int64_t i, ThreadPool* pool) {
    GemmF32Parallel(pool, {.m = s.m,
                           .n = s.n,
                           .k = s.k,
                           .a = a + a_off[i],
                           .lda = s.k,
                           .b = b + b_off[i],
                           .ldb = s.n,
                           .c = c + i * s.m * s.n,
                           .ldc = s.n});
  };
  const int threads = ctx.pool == nullptr ? 1 : ctx.pool->threads();
  if (batches >= 2 * threads) {
    ParallelFor(ctx.pool, batches, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) one(i, nullptr);
    });
  } else {
    for (int64_t i = 0; i < batches; ++i) one(i, ctx.pool);
  }
}

Status ComputeMatMul(KernelContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  MOTA_ASSIGN_OR_RETURN(MatMulShape s, MakeMatMulShape(ctx.node, a.shape, b.shape));
  if (a.dtype == DType::kF32) {
    MatMulF32(ctx, s, a.as<float>(), b.as<float>(), ctx.outputs[0].as<float>());
    return Status::Ok();
  }
  std::vector<int64_t> a_off, b_off;
  BatchOffsets(s, a_off, b_off);
  auto run = [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    for (size_t i = 0; i < a_off.size(); ++i) {
      NaiveMatMul(a.as<T>() + a_off[i], b.as<T>() + b_off[i],
                  ctx.outputs[0].as<T>() + i * s.m * s.n, s.m, s.k, s.n);
    }
    return Status::Ok();
  };
  if (a.dtype == DType::kI32) return run(static_cast<int32_t*>(nullptr));
  if (a.dtype == DType::kI64) return run(static_cast<int64_t*>(nullptr));
  return ctx.Error("dtype ", DTypeName(a.dtype), " is not supported; expected f32, i32 or i64");
}

}  // namespace

MOTA_REGISTER_OP(MatMul, {"MatMul", 2, 2, 1, 1, InferMatMul, ComputeMatMul});

}  // namespace mota::exec
