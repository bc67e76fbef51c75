// Conv2D as an implicit GEMM per (image, group): Y[m, n] = sum_k W[m, k] * B[k, n], with
// k = (input channel, ky, kx) and n = (oy, ox); B is gathered from X on the fly (no im2col
// buffer). POINTWISE (1x1, stride 1, no padding) reads B straight from X. HAS_RESIDUAL: a
// following Add is fused: Y = act2(act(conv) + R) (residual connections).
//
// A workgroup of TX x TY threads computes a BM x BN block (BM = TY * RM, BN = TX * RN); each
// thread keeps RM x RN accumulators in registers and reads RM + RN shared values per k step
// for RM * RN multiply-adds. Thread (tx, ty) owns rows ty + i * TY and columns tx + j * TX, so
// neighbouring threads write neighbouring columns (coalesced stores).
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint TX = 16;
layout(constant_id = 1) const uint TY = 16;
layout(constant_id = 2) const uint POINTWISE = 0;
layout(constant_id = 3) const uint HAS_BIAS = 0;
layout(constant_id = 4) const uint RM = 4;  // <= 4
layout(constant_id = 5) const uint RN = 4;  // <= 4
layout(constant_id = 6) const uint BK = 16;
layout(constant_id = 7) const uint HAS_RESIDUAL = 0;
layout(constant_id = 8) const uint SHARED = 1;  // 0: no shared-memory tiles (CPU devices)
// Split-K: SPLIT workgroups along z share one output block, each summing a slice of k (input
// channels), and write raw float sums to PART[split][image][M][OH * OW]; conv_splitk.comp adds
// the slices, the bias, the activations and the residual. A block of a small late layer
// (resnet18's 7x7 stage: K = 4608) then runs K / SPLIT steps instead of K.
layout(constant_id = 9) const uint SPLIT = 1;
layout(local_size_x_id = 0, local_size_y_id = 1) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) readonly buffer WBuf { SF w[]; };
layout(std430, binding = 2) readonly buffer BBuf { SF bias[]; };
layout(std430, binding = 3) readonly buffer RBuf { SF res[]; };
// Per k = (channel, ky, kx): (offset in X of the tap for output (0, 0), ky * DH, kx * DW), so
// the shared-memory path gathers B without integer division (built at prepare time).
layout(std430, binding = 4) readonly buffer KBuf { ivec4 ktab[]; };
layout(std430, binding = 5) writeonly buffer YBuf { SF y[]; };
layout(std430, binding = 6) writeonly buffer PBuf { float part_out[]; };  // SPLIT > 1

layout(push_constant, std430) uniform Params {
  uint C, H, W, M, OH, OW;
  uint cg, mg, groups, K;
  uint KH, KW, SH, SW, PH, PW, DH, DW;
  uint act;
  float act_alpha, act_beta;
  uint act2;
  float act2_alpha, act2_beta;
  uint plane;  // SPLIT > 1: N * M * OH * OW, the size of one slice's partial sums
} p;

const uint BM = TY * RM;
const uint BN = TX * RN;
// [k][m], rows padded by one element: the loading threads walk k fastest, and an unpadded row
// of BM (a multiple of 32) elements would put all 16 k of one m in the same bank.
const uint AS_ROW = BM + 1;
shared SF As[BK * AS_ROW];
shared SF Bs[BK * BN];  // [k][n]

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint tid = ty * TX + tx;
  uint n0 = gl_WorkGroupID.x * BN, m0 = gl_WorkGroupID.y * BM;
  uint slice = gl_WorkGroupID.z % SPLIT, bg = gl_WorkGroupID.z / SPLIT;
  uint b = bg / p.groups, g = bg % p.groups;
  // This slice's input channels [c_begin, c_end), i.e. k in [k_begin, k_end).
  uint c_per = (p.cg + SPLIT - 1) / SPLIT;
  uint c_begin = min(p.cg, slice * c_per), c_end = min(p.cg, c_begin + c_per);
  uint k_begin = c_begin * p.KH * p.KW, k_end = c_end * p.KH * p.KW;
  uint ohw = p.OH * p.OW;
  uint xbase = (b * p.C + g * p.cg) * p.H * p.W;
  uint wbase = g * p.mg * p.K;
  float acc[4][4];
  for (uint i = 0; i < RM; ++i)
    for (uint j = 0; j < RN; ++j) acc[i][j] = 0.0;
  if (SHARED == 0) {
    // CPU devices (lavapipe): a barrier switches between every 8-lane slice of the workgroup,
    // which costs more than re-reading cached memory. Read operands directly, walking k as
    // (channel, ky, kx) so no integer division is left in the loop (SIMD units have none).
    int iy0[4], ix0[4];
    bool col_ok[4];
    for (uint j = 0; j < RN; ++j) {
      uint n = n0 + tx + j * TX;
      col_ok[j] = n < ohw;
      iy0[j] = int((n / p.OW) * p.SH) - int(p.PH);
      ix0[j] = int((n % p.OW) * p.SW) - int(p.PW);
    }
    uint k = k_begin;
    for (uint ic = c_begin; ic < c_end; ++ic) {
      uint xc = xbase + ic * p.H * p.W;
      for (uint ky = 0; ky < p.KH; ++ky) {
        for (uint kx = 0; kx < p.KW; ++kx, ++k) {
          AF a[4], bv[4];
          for (uint i = 0; i < RM; ++i) {
            uint m = m0 + ty + i * TY;
            a[i] = m < p.mg ? AF(w[wbase + m * p.K + k]) : AF(0.0);
          }
          for (uint j = 0; j < RN; ++j) {
            int iy = iy0[j] + int(ky * p.DH), ix = ix0[j] + int(kx * p.DW);
            bool inside = col_ok[j] && iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
            bv[j] = inside ? AF(x[xc + uint(iy) * p.W + uint(ix)]) : AF(0.0);
          }
          for (uint i = 0; i < RM; ++i)
            for (uint j = 0; j < RN; ++j) acc[i][j] += float(a[i] * bv[j]);
        }
      }
    }
  } else {
    uint b_nn = tid % BN, b_n = n0 + b_nn;
    bool b_col_ok = b_n < ohw;
    int b_iy0 = int((b_n / p.OW) * p.SH) - int(p.PH);
    int b_ix0 = int((b_n % p.OW) * p.SW) - int(p.PW);
    for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
      // k fastest: consecutive threads read consecutive weights.
      for (uint i = tid; i < BK * BM; i += TX * TY) {
        uint kk = i % BK, mm = i / BK;
        uint m = m0 + mm, k = k0 + kk;
        As[kk * AS_ROW + mm] = (m < p.mg && k < k_end) ? w[wbase + m * p.K + k] : SF(0.0);
      }
      // n fastest: consecutive threads read consecutive pixels. TX * TY is a multiple of BN
      // (RN <= TY), so each thread always loads the same column: its window origin is fixed.
      for (uint kk = tid / BN; kk < BK; kk += (TX * TY) / BN) {
        uint k = k0 + kk;
        SF v = SF(0.0);
        if (b_col_ok && k < k_end) {
          if (POINTWISE != 0) {
            v = x[xbase + k * p.H * p.W + b_n];
          } else {
            ivec4 t = ktab[k];
            int iy = b_iy0 + t.y, ix = b_ix0 + t.z;
            if (iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W)) {
              v = x[int(xbase) + t.x + b_iy0 * int(p.W) + b_ix0];
            }
          }
        }
        Bs[kk * BN + b_nn] = v;
      }
      barrier();
#ifdef MOTA_FP16
      // fp16 multiply-adds over one BK-deep tile, added into the float accumulators per tile:
      // fp16 arithmetic in the inner loop, no fp16 rounding growing with K.
      AF part[4][4];
      for (uint i = 0; i < RM; ++i)
        for (uint j = 0; j < RN; ++j) part[i][j] = AF(0.0);
#else
#define part acc
#endif
      for (uint kk = 0; kk < BK; ++kk) {
        AF a[4], bv[4];
        for (uint i = 0; i < RM; ++i) a[i] = As[kk * AS_ROW + ty + i * TY];
        for (uint j = 0; j < RN; ++j) bv[j] = Bs[kk * BN + tx + j * TX];
        for (uint i = 0; i < RM; ++i)
          for (uint j = 0; j < RN; ++j) part[i][j] += a[i] * bv[j];
      }
#ifdef MOTA_FP16
      for (uint i = 0; i < RM; ++i)
        for (uint j = 0; j < RN; ++j) acc[i][j] += float(part[i][j]);
#else
#undef part
#endif
      barrier();
    }
  }
  for (uint i = 0; i < RM; ++i) {
    uint m = m0 + ty + i * TY;
    if (m >= p.mg) continue;
    uint oc = g * p.mg + m;
    float bias_v = HAS_BIAS != 0 ? float(bias[oc]) : 0.0;
    for (uint j = 0; j < RN; ++j) {
      uint n = n0 + tx + j * TX;
      if (n >= ohw) continue;
      uint at = (b * p.M + oc) * ohw + n;
      if (SPLIT > 1) {
        part_out[slice * p.plane + at] = acc[i][j];
        continue;
      }
      float v = apply_act(acc[i][j] + bias_v, p.act, p.act_alpha, p.act_beta);
      if (HAS_RESIDUAL != 0) v = apply_act(v + float(res[at]), p.act2, p.act2_alpha, p.act2_beta);
      y[at] = SF(v);
    }
  }
}
