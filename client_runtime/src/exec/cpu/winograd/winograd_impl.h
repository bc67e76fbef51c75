// The Winograd F(4x4, 3x3) and F(2x2, 3x3) steps as templates over a vector-traits type T and the
// output tile side, instantiated once per ISA (winograd_avx512.cc, winograd_avx2.cc,
// winograd_portable.cc). T provides:
//   using V (a GCC vector type: arithmetic operators work on it); kLanes; kMr (GEMM rows);
//   Load/Store (unaligned), Set1, Fma(a, b, c) = a * b + c, Max, Min.
// Transforms are vectorized over channels (NHWC keeps them contiguous); the GEMM micro-kernel
// keeps a kMr x (NV * kLanes) block of M in registers, broadcasting V and loading packed U.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "exec/cpu/winograd/winograd.h"

namespace mota::exec::winograd {

template <class T, int kTileSide>
struct Steps {
  using V = typename T::V;
  static constexpr int L = T::kLanes;
  static_assert(kTileSide == 2 || kTileSide == 4);
  static constexpr int kTile = kTileSide;
  static constexpr int kAlpha = kTile + 2;
  static constexpr int kPositions = kAlpha * kAlpha;

  // ---- input transform: V = B^T d B ----

  // One row of B^T applied to d0..d(alpha-1) (stride `s` between them).
  static void InputRow(const V* d, int s, V* t, int ts) {
    if constexpr (kTile == 2) {  // B^T of F(2x2, 3x3)
      const V d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s];
      t[0] = d0 - d2;
      t[ts] = d1 + d2;
      t[2 * ts] = d2 - d1;
      t[3 * ts] = d1 - d3;
      return;
    }
    const V d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s], d5 = d[5 * s];
    t[0] = d0 * 4.0f - d2 * 5.0f + d4;
    t[ts] = d3 + d4 - (d1 + d2) * 4.0f;
    t[2 * ts] = d4 - d3 + (d1 - d2) * 4.0f;
    t[3 * ts] = d4 - d2 + (d3 - d1) * 2.0f;
    t[4 * ts] = d4 - d2 + (d1 - d3) * 2.0f;
    t[5 * ts] = d1 * 4.0f - d3 * 5.0f + d5;
  }

  // Loads the 6x6 vectors of one tile and channel group; `src` points at (row 0, col 0).
  static void LoadTile(const float* src, int64_t row_stride, int64_t col_stride, V* d) {
    for (int y = 0; y < kAlpha; ++y) {
      for (int x = 0; x < kAlpha; ++x)
        d[y * kAlpha + x] = T::Load(src + y * row_stride + x * col_stride);
    }
  }

  // Copies the valid part of a tile (inside the image, channels [c, c + n)) into a zeroed
  // buffer, for tiles at the borders and for the last partial channel group.
  static void GatherTile(const Plan& p, const float* img, int64_t iy0, int64_t ix0, int64_t c,
                         int64_t n, float* local) {
    std::memset(local, 0, sizeof(float) * kPositions * L);
    for (int y = 0; y < kAlpha; ++y) {
      const int64_t iy = iy0 + y;
      if (iy < 0 || iy >= p.s.in_h) continue;
      for (int x = 0; x < kAlpha; ++x) {
        const int64_t ix = ix0 + x;
        if (ix < 0 || ix >= p.s.in_w) continue;
        std::memcpy(local + (y * kAlpha + x) * L, img + (iy * p.s.in_w + ix) * p.s.channels + c,
                    sizeof(float) * n);
      }
    }
  }

  static void InputTile(const Plan& p, const Block& b, int64_t tl) {
    const int64_t g = b.t_begin + tl, per_image = p.tiles_y * p.tiles_x;
    const int64_t n = g / per_image, ty = g % per_image / p.tiles_x, tx = g % p.tiles_x;
    const int64_t iy0 = ty * kTile - p.s.pad_top, ix0 = tx * kTile - p.s.pad_left;
    const int64_t cin = p.s.channels;
    const float* img = b.x + n * p.s.in_h * p.s.in_w * cin;
    const bool interior =
        iy0 >= 0 && ix0 >= 0 && iy0 + kAlpha <= p.s.in_h && ix0 + kAlpha <= p.s.in_w;
    const int64_t pos_stride = b.count * cin;
    float* dst = b.v + tl * cin;
    alignas(64) float local[kPositions * L];
    V d[kPositions], t[kPositions];
    for (int64_t c = 0; c < cin; c += L) {
      const int64_t n_ch = std::min<int64_t>(L, cin - c);
      if (interior && n_ch == L) {
        LoadTile(img + (iy0 * p.s.in_w + ix0) * cin + c, p.s.in_w * cin, cin, d);
      } else {
        GatherTile(p, img, iy0, ix0, c, n_ch, local);
        LoadTile(local, kAlpha * L, L, d);
      }
      for (int x = 0; x < kAlpha; ++x) InputRow(d + x, kAlpha, t + x, kAlpha);          // columns
      for (int y = 0; y < kAlpha; ++y) InputRow(t + y * kAlpha, 1, d + y * kAlpha, 1);  // rows
      for (int pos = 0; pos < kPositions; ++pos) {
        float* out = dst + pos * pos_stride + c;
        if (n_ch == L) {
          T::Store(out, d[pos]);
        } else {
          T::Store(local, d[pos]);
          std::memcpy(out, local, sizeof(float) * n_ch);
        }
      }
    }
  }

  static void Input(const Plan& p, const Block& b, int64_t t0, int64_t t1) {
    for (int64_t tl = t0; tl < t1; ++tl) InputTile(p, b, tl);
  }

  // ---- GEMM: M[pos] = V[pos] * U[pos] ----

  // rows x (NV * L) block of C = A (rows x k, leading dim lda) * B (k x width, packed rows).
  template <int MR, int NV>
  static void MicroKernel(int64_t k, const float* a, int64_t lda, const float* bp, int64_t width,
                          float* c, int64_t ldc) {
    V acc[MR][NV];
    for (int r = 0; r < MR; ++r) {
      for (int v = 0; v < NV; ++v) acc[r][v] = T::Set1(0.0f);
    }
    for (int64_t q = 0; q < k; ++q, bp += width) {
      V bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = T::Load(bp + v * L);
      for (int r = 0; r < MR; ++r) {
        const V av = T::Set1(a[r * lda + q]);
        for (int v = 0; v < NV; ++v) acc[r][v] = T::Fma(av, bv[v], acc[r][v]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      for (int v = 0; v < NV; ++v) T::Store(c + r * ldc + v * L, acc[r][v]);
    }
  }

  using KernelFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);

  template <int NV, int... R>
  static KernelFn PickRows(int rows, std::integer_sequence<int, R...>) {
    KernelFn fn = nullptr;
    ((rows == R + 1 ? (fn = &MicroKernel<R + 1, NV>, 0) : 0), ...);
    return fn;
  }
  template <int... N>
  static KernelFn Pick(int rows, int nv, std::integer_sequence<int, N...>) {
    KernelFn fn = nullptr;
    ((nv == N + 1 ? (fn = PickRows<N + 1>(rows, std::make_integer_sequence<int, T::kMr>())) : 0),
     ...);
    return fn;
  }

  static void Gemm(const Plan& p, const Block& b, int64_t i0, int64_t i1) {
    const int64_t cin = p.s.channels;
    for (int64_t item = i0; item < i1; ++item) {
      const int64_t pos = item / p.panels, panel = item % p.panels;
      const int64_t col0 = panel * p.nr, width = std::min(p.nr, p.cpad - col0);
      const int nv = static_cast<int>(width / L);
      const float* u = p.u + pos * cin * p.cpad + col0 * cin;
      const float* a = b.v + pos * b.count * cin;
      float* c = b.m + pos * b.count * p.cpad + col0;
      const KernelFn full = Pick(T::kMr, nv, std::make_integer_sequence<int, T::kNv>());
      int64_t r = 0;
      for (; r + T::kMr <= b.count; r += T::kMr)
        full(cin, a + r * cin, cin, u, width, c + r * p.cpad, p.cpad);
      if (r < b.count) {
        const int rows = static_cast<int>(b.count - r);
        Pick(rows, nv, std::make_integer_sequence<int, T::kNv>())(cin, a + r * cin, cin, u, width,
                                                                  c + r * p.cpad, p.cpad);
      }
    }
  }

  // ---- output transform: Y = A^T m A (+ bias, activation) ----

  static void OutputRow(const V* m, int s, V* o, int os) {
    if constexpr (kTile == 2) {  // A^T of F(2x2, 3x3)
      const V m1 = m[s], m2 = m[2 * s];
      o[0] = m[0] + m1 + m2;
      o[os] = m1 - m2 - m[3 * s];
      return;
    }
    const V m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s];
    const V p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
    o[0] = m[0] + p12 + p34;
    o[os] = d12 + d34 * 2.0f;
    o[2 * os] = p12 + p34 * 4.0f;
    o[3 * os] = d12 + d34 * 8.0f + m[5 * s];
  }

  static void OutputTile(const Plan& p, const Block& b, int64_t tl) {
    const int64_t g = b.t_begin + tl, per_image = p.tiles_y * p.tiles_x;
    const int64_t n = g / per_image, ty = g % per_image / p.tiles_x, tx = g % p.tiles_x;
    const int64_t oy0 = ty * kTile, ox0 = tx * kTile, cout = p.s.filters;
    const int rows = static_cast<int>(std::min<int64_t>(kTile, p.s.out_h - oy0));
    const int cols = static_cast<int>(std::min<int64_t>(kTile, p.s.out_w - ox0));
    float* img = b.y + ((n * p.s.out_h + oy0) * p.s.out_w + ox0) * cout;
    const int64_t pos_stride = b.count * p.cpad;
    const float* src = b.m + tl * p.cpad;
    const V lo = T::Set1(p.lo), hi = T::Set1(p.hi);
    alignas(64) float tail[L];
    V m[kPositions], t[kTile * kAlpha], o[kTile * kTile];
    for (int64_t c = 0; c < cout; c += L) {
      for (int pos = 0; pos < kPositions; ++pos) m[pos] = T::Load(src + pos * pos_stride + c);
      for (int x = 0; x < kAlpha; ++x) OutputRow(m + x, kAlpha, t + x, kAlpha);        // columns
      for (int y = 0; y < kTile; ++y) OutputRow(t + y * kAlpha, 1, o + y * kTile, 1);  // rows
      const V bias = T::Load(p.bias + c);
      const int64_t n_ch = std::min<int64_t>(L, cout - c);
      for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
          V r = o[y * kTile + x] + bias;
          if (p.clamp) r = T::Min(T::Max(r, lo), hi);
          float* out = img + (y * p.s.out_w + x) * cout + c;
          if (n_ch == L) {
            T::Store(out, r);
          } else {
            T::Store(tail, r);
            std::memcpy(out, tail, sizeof(float) * n_ch);
          }
        }
      }
    }
    if (p.clamp || p.act.kind == ActivationKind::kNone) return;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < cols; ++x) ApplyActivation(p.act, img + (y * p.s.out_w + x) * cout, cout);
    }
  }

  static void Output(const Plan& p, const Block& b, int64_t t0, int64_t t1) {
    for (int64_t tl = t0; tl < t1; ++tl) OutputTile(p, b, tl);
  }

  static const Ops& Get() {
    static const Ops ops{kTile, T::kNv * L, &Input, &Gemm, &Output};
    return ops;
  }
};

}  // namespace mota::exec::winograd
