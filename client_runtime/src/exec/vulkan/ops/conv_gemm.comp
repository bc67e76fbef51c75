// Conv2D as an implicit GEMM per (image, group): Y[m, n] = sum_k W[m, k] * B[k, n], with
// k = (input channel, ky, kx) and n = (oy, ox); B is gathered from X on the fly (no im2col
// buffer). POINTWISE (1x1, stride 1, no padding) reads B straight from X. One TILE x TILE
// output block per workgroup through shared-memory tiles.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint TILE_X = 16;
layout(constant_id = 1) const uint TILE_Y = 16;  // == TILE_X
layout(constant_id = 2) const uint POINTWISE = 0;
layout(constant_id = 3) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0, local_size_y_id = 1) in;

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 1) readonly buffer WBuf { float w[]; };
layout(std430, binding = 2) readonly buffer BBuf { float bias[]; };
layout(std430, binding = 3) writeonly buffer YBuf { float y[]; };

layout(push_constant, std430) uniform Params {
  uint C, H, W, M, OH, OW;
  uint cg, mg, groups, K;
  uint KH, KW, SH, SW, PH, PW, DH, DW;
  uint act;
  float act_alpha, act_beta;
} p;

shared float As[TILE_Y][TILE_X];
shared float Bs[TILE_Y][TILE_X];

float load_b(uint xbase, uint k, uint n) {
  if (POINTWISE != 0) return x[xbase + k * p.H * p.W + n];
  uint ksz = p.KH * p.KW;
  uint ic = k / ksz, r = k % ksz;
  uint ky = r / p.KW, kx = r % p.KW;
  uint oy = n / p.OW, ox = n % p.OW;
  int iy = int(oy * p.SH + ky * p.DH) - int(p.PH);
  int ix = int(ox * p.SW + kx * p.DW) - int(p.PW);
  if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) return 0.0;
  return x[xbase + (ic * p.H + uint(iy)) * p.W + uint(ix)];
}

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint n = gl_WorkGroupID.x * TILE_X + tx;
  uint m = gl_WorkGroupID.y * TILE_Y + ty;
  uint b = gl_WorkGroupID.z / p.groups, g = gl_WorkGroupID.z % p.groups;
  uint ohw = p.OH * p.OW;
  uint xbase = (b * p.C + g * p.cg) * p.H * p.W;
  uint wbase = g * p.mg * p.K;
  // Loads index rows of the tile by ty and columns by tx; every thread loads one element of each.
  uint mload = gl_WorkGroupID.y * TILE_Y + ty;
  float acc = 0.0;
  for (uint k0 = 0; k0 < p.K; k0 += TILE_X) {
    uint ka = k0 + tx;
    As[ty][tx] = (mload < p.mg && ka < p.K) ? w[wbase + mload * p.K + ka] : 0.0;
    uint kb = k0 + ty;
    Bs[ty][tx] = (kb < p.K && n < ohw) ? load_b(xbase, kb, n) : 0.0;
    barrier();
    for (uint kk = 0; kk < TILE_X; ++kk) acc += As[ty][kk] * Bs[kk][tx];
    barrier();
  }
  if (m < p.mg && n < ohw) {
    uint oc = g * p.mg + m;
    if (HAS_BIAS != 0) acc += bias[oc];
    y[(b * p.M + oc) * ohw + n] = apply_act(acc, p.act, p.act_alpha, p.act_beta);
  }
}
