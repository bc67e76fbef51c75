#include "exec/reference/gemm_util.h"

#include <algorithm>
#include <vector>

// On x86-64 Linux with GCC, the micro-kernel is also compiled for x86-64-v3 (AVX2 + FMA) and
// the loader picks the best clone (ifunc): about 2x over the SSE2 baseline. Elsewhere the
// baseline build is used as is (NEON on arm64 is already baseline).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__)
#define MOTA_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MOTA_GEMM_CLONES
#endif

namespace mota::exec {
namespace {

// Register tile: 4 rows x 8 columns of C held in 8 SSE (or 4 AVX) registers. Larger tiles made
// GCC spill at -O3 in measurements, so this is the sweet spot for auto-vectorized code.
constexpr int kMr = 4;
constexpr int kNr = 8;
// Cache blocks: a kKc x kNr slice of packed B stays in L1, the packed A block (kMc x kKc) in L2.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 64;
constexpr int64_t kNc = 512;

// tile[kMr][kNr] = sum over p of a[p][i] * b[p][j] for packed panels a (kc x kMr), b (kc x kNr).
MOTA_GEMM_CLONES
void MicroKernel(int64_t kc, const float* __restrict a, const float* __restrict b,
                 float* __restrict tile) {
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const float* ap = a + p * kMr;
    const float* bp = b + p * kNr;
    for (int i = 0; i < kMr; ++i) {
      const float ai = ap[i];
      for (int j = 0; j < kNr; ++j) acc[i][j] += ai * bp[j];
    }
  }
  for (int i = 0; i < kMr; ++i) {
    for (int j = 0; j < kNr; ++j) tile[i * kNr + j] = acc[i][j];
  }
}

// Writes the valid mr x nr corner of a tile into C. The first K block applies beta (beta == 0
// overwrites, so garbage in C never leaks); later K blocks accumulate.
void StoreTile(const float* tile, float* c, int64_t ldc, int64_t mr, int64_t nr, bool first,
               float beta) {
  for (int64_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    const float* ti = tile + i * kNr;
    if (!first) {
      for (int64_t j = 0; j < nr; ++j) ci[j] += ti[j];
    } else if (beta == 0.0f) {
      for (int64_t j = 0; j < nr; ++j) ci[j] = ti[j];
    } else {
      for (int64_t j = 0; j < nr; ++j) ci[j] = ti[j] + beta * ci[j];
    }
  }
}

// Packs alpha * op(A)[i0:i0+mc, p0:p0+kc] into panels of kMr rows (zero-padded).
void PackA(const GemmArgs& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += kMr) {
    float* panel = out + ir * kc;
    const int64_t rows = std::min<int64_t>(kMr, mc - ir);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t i = 0; i < kMr; ++i) {
        float v = 0.0f;
        if (i < rows) {
          const int64_t row = i0 + ir + i, col = p0 + p;
          v = g.alpha * (g.trans_a ? g.a[col * g.lda + row] : g.a[row * g.lda + col]);
        }
        panel[p * kMr + i] = v;
      }
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of kNr columns (zero-padded).
void PackB(const GemmArgs& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    float* panel = out + jr * kc;
    const int64_t cols = std::min<int64_t>(kNr, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      float* dst = panel + p * kNr;
      if (!g.trans_b) {
        const float* src = g.b + (p0 + p) * g.ldb + j0 + jr;
        for (int64_t j = 0; j < cols; ++j) dst[j] = src[j];
      } else {
        const float* src = g.b + (j0 + jr) * g.ldb + p0 + p;
        for (int64_t j = 0; j < cols; ++j) dst[j] = src[j * g.ldb];
      }
      for (int64_t j = cols; j < kNr; ++j) dst[j] = 0.0f;
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

// One packed block pair: every register tile of C[ic:ic+mc, jc:jc+nc].
void MacroKernel(const GemmArgs& g, const float* ap, const float* bp, int64_t ic, int64_t mc,
                 int64_t jc, int64_t nc, int64_t kc, bool first) {
  float tile[kMr * kNr];
  for (int64_t jr = 0; jr < nc; jr += kNr) {
    const int64_t nr = std::min<int64_t>(kNr, nc - jr);
    for (int64_t ir = 0; ir < mc; ir += kMr) {
      const int64_t mr = std::min<int64_t>(kMr, mc - ir);
      MicroKernel(kc, ap + ir * kc, bp + jr * kc, tile);
      StoreTile(tile, g.c + (ic + ir) * g.ldc + jc + jr, g.ldc, mr, nr, first, g.beta);
    }
  }
}

}  // namespace

void GemmF32(const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0 || g.alpha == 0.0f) {
    ScaleC(g);
    return;
  }
  // Grown once per thread and reused: conv kernels call this once per image and group.
  thread_local std::vector<float> scratch;
  const size_t need = static_cast<size_t>(kMc * kKc + kKc * kNc);
  if (scratch.size() < need) scratch.resize(need);
  float* ap = scratch.data();
  float* bp = ap + kMc * kKc;
  for (int64_t jc = 0; jc < g.n; jc += kNc) {
    const int64_t nc = std::min(kNc, g.n - jc);
    for (int64_t pc = 0; pc < g.k; pc += kKc) {
      const int64_t kc = std::min(kKc, g.k - pc);
      PackB(g, pc, kc, jc, nc, bp);
      for (int64_t ic = 0; ic < g.m; ic += kMc) {
        const int64_t mc = std::min(kMc, g.m - ic);
        PackA(g, ic, mc, pc, kc, ap);
        MacroKernel(g, ap, bp, ic, mc, jc, nc, kc, pc == 0);
      }
    }
  }
}

void GemmF32Parallel(ThreadPool* pool, const GemmArgs& g) {
  // Below ~1 MFLOP the hand-off to workers costs more than it saves.
  const bool small = g.m * g.n * g.k < (int64_t{1} << 19);
  if (pool == nullptr || pool->threads() <= 1 || small) {
    GemmF32(g);
    return;
  }
  const int64_t parts = int64_t{4} * pool->threads();
  const bool split_cols = g.n >= g.m;
  const int64_t extent = split_cols ? g.n : g.m;
  const int64_t unit = split_cols ? kNr : kMr;
  int64_t block = (extent + parts - 1) / parts;
  block = std::max<int64_t>((block + unit - 1) / unit * unit, split_cols ? 64 : 16);
  const int64_t blocks = (extent + block - 1) / block;
  ParallelFor(pool, blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t lo = b * block, hi = std::min(extent, lo + block);
      GemmArgs part = g;
      if (split_cols) {
        part.n = hi - lo;
        part.b = g.trans_b ? g.b + lo * g.ldb : g.b + lo;
        part.c = g.c + lo;
      } else {
        part.m = hi - lo;
        part.a = g.trans_a ? g.a + lo : g.a + lo * g.lda;
        part.c = g.c + lo * g.ldc;
      }
      GemmF32(part);
    }
  });
}

}  // namespace mota::exec
