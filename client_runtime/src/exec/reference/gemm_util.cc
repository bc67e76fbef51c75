#include "exec/reference/gemm_util.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "exec/reference/op_util.h"

// x86-64 with GCC or Clang: a 4x16 AVX2+FMA micro-kernel (intrinsics in a target-attributed
// function, picked at run time when the CPU has AVX2 and FMA; about 2x the portable kernel).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MOTA_GEMM_AVX2 1
#include <immintrin.h>
#else
#define MOTA_GEMM_AVX2 0
#endif

namespace mota::exec {
namespace {

// Cache blocks: a kKc x NR slice of packed B stays in L1, the packed A block (kMc x kKc) in L2.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 64;
constexpr int64_t kNc = 512;
// Largest A (in floats) packed once up front instead of once per column block.
constexpr int64_t kMaxPackedA = int64_t{1} << 20;

// Writes a register tile to C: the first K block applies beta (beta == 0 overwrites, so garbage
// in C never leaks); later K blocks accumulate.
template <int NR>
inline void StoreRow(const float* __restrict t, float* __restrict c, int64_t n, bool accumulate,
                     float beta) {
  if (accumulate) {
    for (int64_t j = 0; j < n; ++j) c[j] += t[j];
  } else if (beta == 0.0f) {
    for (int64_t j = 0; j < n; ++j) c[j] = t[j];
  } else {
    for (int64_t j = 0; j < n; ++j) c[j] = t[j] + beta * c[j];
  }
}

// Portable 4x8 kernel: plain loops over fixed sizes that compilers keep in 8 SSE / NEON
// registers (larger tiles made GCC spill at -O3 in measurements).
struct PortableKernel {
  static constexpr int kMr = 4;
  static constexpr int kNr = 8;
  static void Run(int64_t kc, const float* __restrict a, const float* __restrict b,
                  float* __restrict c, int64_t ldc, bool accumulate, float beta) {
    float acc[kMr][kNr] = {};
    for (int64_t p = 0; p < kc; ++p) {
      const float* ap = a + p * kMr;
      const float* bp = b + p * kNr;
      for (int i = 0; i < kMr; ++i) {
        const float ai = ap[i];
        for (int j = 0; j < kNr; ++j) acc[i][j] += ai * bp[j];
      }
    }
    for (int i = 0; i < kMr; ++i) StoreRow<kNr>(acc[i], c + i * ldc, kNr, accumulate, beta);
  }
};

#if MOTA_GEMM_AVX2
// Adds (or, first time, beta-scales into) one 8-float half row of C.
__attribute__((target("avx2,fma"))) inline void StoreAvx2(__m256 v, float* c, bool accumulate,
                                                          float beta) {
  if (accumulate) {
    v = _mm256_add_ps(v, _mm256_loadu_ps(c));
  } else if (beta != 0.0f) {
    v = _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(c), v);
  }
  _mm256_storeu_ps(c, v);
}

// 4x16 tile in 8 ymm accumulators: enough independent FMA chains to cover FMA latency. Named
// variables, not an array: GCC spilled an accumulator array to the stack every iteration.
__attribute__((target("avx2,fma"))) void Avx2Kernel4x16(int64_t kc, const float* a, const float* b,
                                                        float* c, int64_t ldc, bool accumulate,
                                                        float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
  __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int64_t p = 0; p < kc; ++p, a += 4, b += 16) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 ai = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(ai, b0, c00);
    c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(ai, b0, c10);
    c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(ai, b0, c20);
    c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(ai, b0, c30);
    c31 = _mm256_fmadd_ps(ai, b1, c31);
  }
  StoreAvx2(c00, c, accumulate, beta);
  StoreAvx2(c01, c + 8, accumulate, beta);
  StoreAvx2(c10, c + ldc, accumulate, beta);
  StoreAvx2(c11, c + ldc + 8, accumulate, beta);
  StoreAvx2(c20, c + 2 * ldc, accumulate, beta);
  StoreAvx2(c21, c + 2 * ldc + 8, accumulate, beta);
  StoreAvx2(c30, c + 3 * ldc, accumulate, beta);
  StoreAvx2(c31, c + 3 * ldc + 8, accumulate, beta);
}

struct Avx2Kernel {
  static constexpr int kMr = 4;
  static constexpr int kNr = 16;
  static void Run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                  bool accumulate, float beta) {
    Avx2Kernel4x16(kc, a, b, c, ldc, accumulate, beta);
  }
};

bool CpuHasAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

// Packs alpha * op(A)[i0:i0+mc, p0:p0+kc] into panels of MR rows (zero-padded). The common
// case (A not transposed, full panel) walks the MR source rows together so the panel is
// written sequentially.
template <int MR>
void PackA(const GemmArgs& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    float* __restrict panel = out + ir * kc;
    const int64_t rows = std::min<int64_t>(MR, mc - ir);
    if (!g.trans_a && rows == MR) {
      const float* src[MR];
      for (int i = 0; i < MR; ++i) src[i] = g.a + (i0 + ir + i) * g.lda + p0;
      for (int64_t p = 0; p < kc; ++p) {
        for (int i = 0; i < MR; ++i) panel[p * MR + i] = g.alpha * src[i][p];
      }
      continue;
    }
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t i = 0; i < MR; ++i) {
        const int64_t row = i0 + ir + i, col = p0 + p;
        float v = 0.0f;
        if (i < rows) v = g.alpha * (g.trans_a ? g.a[col * g.lda + row] : g.a[row * g.lda + col]);
        panel[p * MR + i] = v;
      }
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of NR columns (zero-padded). Not transposed, B
// is read row by row (sequentially) and scattered into the panels.
template <int NR>
void PackB(const GemmArgs& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  const int64_t full = nc / NR * NR;
  if (!g.trans_b) {
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = g.b + (p0 + p) * g.ldb + j0;
      // memcpy: GCC left the equivalent loop scalar (it could not rule out aliasing).
      for (int64_t jr = 0; jr < full; jr += NR) {
        std::memcpy(out + jr * kc + p * NR, src + jr, NR * sizeof(float));
      }
    }
  } else {
    for (int64_t jr = 0; jr < full; jr += NR) {
      for (int j = 0; j < NR; ++j) {
        const float* src = g.b + (j0 + jr + j) * g.ldb + p0;
        float* dst = out + jr * kc + j;
        for (int64_t p = 0; p < kc; ++p) dst[p * NR] = src[p];
      }
    }
  }
  if (full == nc) return;
  float* panel = out + full * kc;  // the last, partial panel
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t j = 0; j < NR; ++j) {
      const int64_t col = j0 + full + j, row = p0 + p;
      float v = 0.0f;
      if (full + j < nc) v = g.trans_b ? g.b[col * g.ldb + row] : g.b[row * g.ldb + col];
      panel[p * NR + j] = v;
    }
  }
}

// C = beta * C for the degenerate cases (k == 0 or alpha == 0).
void ScaleC(const GemmArgs& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    float* ci = g.c + i * g.ldc;
    for (int64_t j = 0; j < g.n; ++j) ci[j] = g.beta == 0.0f ? 0.0f : g.beta * ci[j];
  }
}

// Every register tile of C[ic:ic+mc, jc:jc+nc] for one packed block pair. Full tiles go
// straight to C; edge tiles through a small buffer.
template <typename K>
void MacroKernel(const GemmArgs& g, const float* ap, const float* bp, int64_t ic, int64_t mc,
                 int64_t jc, int64_t nc, int64_t kc, bool accumulate) {
  float tile[K::kMr * K::kNr];
  for (int64_t jr = 0; jr < nc; jr += K::kNr) {
    const int64_t nr = std::min<int64_t>(K::kNr, nc - jr);
    for (int64_t ir = 0; ir < mc; ir += K::kMr) {
      const int64_t mr = std::min<int64_t>(K::kMr, mc - ir);
      float* c = g.c + (ic + ir) * g.ldc + jc + jr;
      if (mr == K::kMr && nr == K::kNr) {
        K::Run(kc, ap + ir * kc, bp + jr * kc, c, g.ldc, accumulate, g.beta);
        continue;
      }
      K::Run(kc, ap + ir * kc, bp + jr * kc, tile, K::kNr, false, 0.0f);
      for (int64_t i = 0; i < mr; ++i) {
        StoreRow<K::kNr>(tile + i * K::kNr, c + i * g.ldc, nr, accumulate, g.beta);
      }
    }
  }
}

template <typename K>
void GemmWith(const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0 || g.alpha == 0.0f) {
    ScaleC(g);
    return;
  }
  // A is packed once for every column block when it is small (conv weights: M x C*k*k) and
  // there are several column blocks; otherwise one block at a time.
  const int64_t m_pad = (g.m + K::kMr - 1) / K::kMr * K::kMr;
  const bool pack_all_a = g.n > kNc && m_pad * g.k <= kMaxPackedA;
  const int64_t a_floats = pack_all_a ? m_pad * g.k : kMc * kKc;
  // Grown once per thread and reused: conv kernels call this once per image and group.
  thread_local std::vector<float> scratch;
  const size_t need = static_cast<size_t>(a_floats + kKc * kNc);
  if (scratch.size() < need) scratch.resize(need);
  float* ap = scratch.data();
  float* bp = ap + a_floats;
  // Block (pc, ic) of the fully packed A starts at pc * m_pad + ic * kc.
  for (int64_t pc = 0; pack_all_a && pc < g.k; pc += kKc) {
    const int64_t kc = std::min(kKc, g.k - pc);
    for (int64_t ic = 0; ic < g.m; ic += kMc) {
      PackA<K::kMr>(g, ic, std::min(kMc, g.m - ic), pc, kc, ap + pc * m_pad + ic * kc);
    }
  }
  for (int64_t jc = 0; jc < g.n; jc += kNc) {
    const int64_t nc = std::min(kNc, g.n - jc);
    for (int64_t pc = 0; pc < g.k; pc += kKc) {
      const int64_t kc = std::min(kKc, g.k - pc);
      PackB<K::kNr>(g, pc, kc, jc, nc, bp);
      for (int64_t ic = 0; ic < g.m; ic += kMc) {
        const int64_t mc = std::min(kMc, g.m - ic);
        const float* a_block = ap + pc * m_pad + ic * kc;
        if (!pack_all_a) {
          PackA<K::kMr>(g, ic, mc, pc, kc, ap);
          a_block = ap;
        }
        MacroKernel<K>(g, a_block, bp, ic, mc, jc, nc, kc, pc > 0);
      }
    }
  }
}

}  // namespace

void GemmF32(const GemmArgs& args) {
#if MOTA_GEMM_AVX2
  static const bool avx2 = CpuHasAvx2Fma();
  if (avx2) {
    GemmWith<Avx2Kernel>(args);
    return;
  }
#endif
  GemmWith<PortableKernel>(args);
}

void GemmF32Portable(const GemmArgs& args) { GemmWith<PortableKernel>(args); }

void GemmF32Parallel(ThreadPool* pool, const GemmArgs& g) {
  // Below ~1 MFLOP the hand-off to workers costs more than it saves.
  const bool small = g.m * g.n * g.k < (int64_t{1} << 19);
  if (pool == nullptr || pool->threads() <= 1 || small) {
    GemmF32(g);
    return;
  }
  const int64_t parts = int64_t{4} * pool->threads();
  ForEachGemmBlock(pool, g, parts, 16, 4, 64, 16, [](const GemmArgs& part) { GemmF32(part); });
}

Result<MatMulShape> MakeMatMulShape(const model::Node& node, const Shape& a, const Shape& b) {
  auto error = [&](const auto&... args) {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
  };
  if (a.empty() || b.empty()) {
    return error("operands must have rank >= 1, got A ", ShapeToString(a), " and B ",
                 ShapeToString(b));
  }
  MatMulShape s;
  s.m = a.size() == 1 ? 1 : a[a.size() - 2];
  s.k = a.back();
  const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
  s.n = b.size() == 1 ? 1 : b.back();
  if (s.k != kb) {
    return error("A ", ShapeToString(a), " and B ", ShapeToString(b),
                 " do not chain: A's last dim is ", s.k, " but B's contraction dim is ", kb);
  }
  if (a.size() > 2) s.a_batch.assign(a.begin(), a.end() - 2);
  if (b.size() > 2) s.b_batch.assign(b.begin(), b.end() - 2);
  Result<Shape> batch = BroadcastShapes(s.a_batch, s.b_batch);
  if (!batch.ok()) return error("batch dims: ", batch.status().message());
  s.batch = *batch;
  s.out = s.batch;
  if (a.size() > 1) s.out.push_back(s.m);
  if (b.size() > 1) s.out.push_back(s.n);
  return s;
}

}  // namespace mota::exec
