#include "exec/cpu/fast/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace mota::exec::fast {
namespace {

// kc x nr of packed B (32 KiB at nr = 32) stays in L1 while a column of tiles runs; the packed
// A block (mc x kc, 128 KiB) in L2; the packed B block (kc x nc, 512 KiB) in L2 / L3.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 128;
constexpr int64_t kNc = 512;       // a multiple of every nr
constexpr int kMaxTile = 16 * 64;  // mr * nr of any table
// Largest K block of A (in floats) packed once for every column block.
constexpr int64_t kMaxPackedA = int64_t{1} << 18;

// Packs alpha * op(A)[i0:i0+mc, p0:p0+kc] into panels of mr rows, zero-padded: panel[p * mr + i].
void PackA(const GemmArgs& g, int mr, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += mr) {
    float* panel = out + ir * kc;
    const int64_t rows = std::min<int64_t>(mr, mc - ir);
    if (!g.trans_a) {
      // Walk the rows together so that the panel is written sequentially.
      const float* src[16];
      for (int64_t i = 0; i < rows; ++i) src[i] = g.a + (i0 + ir + i) * g.lda + p0;
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t i = 0; i < rows; ++i) panel[p * mr + i] = g.alpha * src[i][p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = g.a + (p0 + p) * g.lda + i0 + ir;
        for (int64_t i = 0; i < rows; ++i) panel[p * mr + i] = g.alpha * src[i];
      }
    }
    for (int64_t i = rows; i < mr; ++i) {
      for (int64_t p = 0; p < kc; ++p) panel[p * mr + i] = 0.0f;
    }
  }
}

// Packs op(B)[p0:p0+kc, j0:j0+nc] into panels of nr columns, zero-padded: panel[p * nr + j].
void PackB(const GemmArgs& g, int nr, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    float* panel = out + jr * kc;
    const int64_t cols = std::min<int64_t>(nr, nc - jr);
    if (!g.trans_b) {
      for (int64_t p = 0; p < kc; ++p) {
        std::memcpy(panel + p * nr, g.b + (p0 + p) * g.ldb + j0 + jr, cols * sizeof(float));
        std::fill(panel + p * nr + cols, panel + (p + 1) * nr, 0.0f);
      }
    } else {
      for (int64_t j = 0; j < cols; ++j) {
        const float* src = g.b + (j0 + jr + j) * g.ldb + p0;
        for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = src[p];
      }
      for (int64_t j = cols; j < nr; ++j) {
        for (int64_t p = 0; p < kc; ++p) panel[p * nr + j] = 0.0f;
      }
    }
  }
}

// C = beta * C where the product adds nothing (k == 0 or alpha == 0), or before accumulating.
void ScaleC(const GemmArgs& g) {
  for (int64_t i = 0; i < g.m; ++i) {
    float* ci = g.c + i * g.ldc;
    if (g.beta == 0.0f) {
      std::fill(ci, ci + g.n, 0.0f);
    } else if (g.beta != 1.0f) {
      for (int64_t j = 0; j < g.n; ++j) ci[j] *= g.beta;
    }
  }
}

// Every register tile of C[ic:ic+mc, jc:jc+nc] for one packed block pair; edge tiles go through
// a small buffer.
void MacroKernel(const Table& t, const GemmArgs& g, const float* ap, const float* bp, int64_t ic,
                 int64_t mc, int64_t jc, int64_t nc, int64_t kc, bool accumulate) {
  alignas(64) float tile[kMaxTile];
  for (int64_t jr = 0; jr < nc; jr += t.gemm_nr) {
    const int64_t nr = std::min<int64_t>(t.gemm_nr, nc - jr);
    for (int64_t ir = 0; ir < mc; ir += t.gemm_mr) {
      const int64_t mr = std::min<int64_t>(t.gemm_mr, mc - ir);
      float* c = g.c + (ic + ir) * g.ldc + jc + jr;
      if (mr == t.gemm_mr && nr == t.gemm_nr) {
        t.gemm_tile(kc, ap + ir * kc, bp + jr * kc, c, g.ldc, accumulate);
        continue;
      }
      t.gemm_tile(kc, ap + ir * kc, bp + jr * kc, tile, t.gemm_nr, false);
      for (int64_t i = 0; i < mr; ++i) {
        const float* src = tile + i * t.gemm_nr;
        float* dst = c + i * g.ldc;
        for (int64_t j = 0; j < nr; ++j) dst[j] = accumulate ? dst[j] + src[j] : src[j];
      }
    }
  }
}

}  // namespace

void Gemm(const Table& t, const GemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  // beta != 0 scales C first; every K block then accumulates into it.
  const bool prescale = g.beta != 0.0f || g.k <= 0 || g.alpha == 0.0f;
  if (prescale) ScaleC(g);
  if (g.k <= 0 || g.alpha == 0.0f) return;
  // Row blocks of whole panels (kMc need not divide by mr); packed blocks are padded to whole
  // panels.
  const int64_t mc_block = std::max<int64_t>(t.gemm_mr, kMc / t.gemm_mr * t.gemm_mr);
  auto round_up = [](int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; };
  const int64_t m_pad = round_up(g.m, t.gemm_mr);
  // A K block of all of A is packed once and reused by every column block when it is small
  // (Linear layers: M = tokens); otherwise one row block at a time.
  const bool pack_all_a = g.n > kNc && m_pad * kKc <= kMaxPackedA;
  const int64_t a_floats =
      pack_all_a ? m_pad * kKc : round_up(std::min(mc_block, g.m), t.gemm_mr) * kKc;
  const int64_t nc_max = round_up(std::min(kNc, g.n), t.gemm_nr);
  // Grown once per thread and reused by later calls.
  thread_local std::vector<float> scratch;
  const size_t need = static_cast<size_t>(a_floats + nc_max * kKc);
  if (scratch.size() < need) scratch.resize(need);
  float* ap = scratch.data();
  float* bp = ap + a_floats;
  for (int64_t pc = 0; pc < g.k; pc += kKc) {
    const int64_t kc = std::min(kKc, g.k - pc);
    if (pack_all_a) PackA(g, t.gemm_mr, 0, g.m, pc, kc, ap);
    for (int64_t jc = 0; jc < g.n; jc += kNc) {
      const int64_t nc = std::min(kNc, g.n - jc);
      PackB(g, t.gemm_nr, pc, kc, jc, nc, bp);
      for (int64_t ic = 0; ic < g.m; ic += mc_block) {
        const int64_t mc = std::min(mc_block, g.m - ic);
        // Row block ic of the fully packed A starts at panel ic / mr.
        const float* a_block = ap + ic * kc;
        if (!pack_all_a) {
          PackA(g, t.gemm_mr, ic, mc, pc, kc, ap);
          a_block = ap;
        }
        MacroKernel(t, g, a_block, bp, ic, mc, jc, nc, kc, prescale || pc > 0);
      }
    }
  }
}

void GemmParallel(ThreadPool* pool, const GemmArgs& g) {
  const Table& t = FastTable();
  // Below ~1 MFLOP the hand-off to workers costs more than it saves.
  const bool small = g.m * g.n * g.k < (int64_t{1} << 19);
  if (pool == nullptr || pool->threads() <= 1 || small) {
    Gemm(t, g);
    return;
  }
  // One block of whole register tiles per thread (ParallelFor hands out equal static chunks).
  ForEachGemmBlock(pool, g, pool->threads(), t.gemm_nr, t.gemm_mr, t.gemm_nr, t.gemm_mr,
                   [&](const GemmArgs& part) { Gemm(t, part); });
}

}  // namespace mota::exec::fast
