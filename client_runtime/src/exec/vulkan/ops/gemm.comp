// Batched GEMM through strides: Y[b, m, n] = alpha * sum_k A[b, m, k] * B[b, k, n]
// + beta * C[m, n], then the fused activation. Transposes and broadcast batches are strides
// (0 for a shared operand). One TILE x TILE output block per workgroup, shared-memory tiles.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint TILE_X = 16;
layout(constant_id = 1) const uint TILE_Y = 16;  // == TILE_X
layout(constant_id = 2) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0, local_size_y_id = 1) in;

layout(std430, binding = 0) readonly buffer ABuf { SF a[]; };
layout(std430, binding = 1) readonly buffer BBuf { SF b[]; };
layout(std430, binding = 2) readonly buffer CBuf { SF c[]; };
layout(std430, binding = 3) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint M, N, K;
  uint a_batch, a_m, a_k;
  uint b_batch, b_k, b_n;
  uint c_m, c_n;
  float alpha, beta;
  uint act;
  float act_alpha, act_beta;
} p;

shared SF As[TILE_Y][TILE_X];
shared SF Bs[TILE_Y][TILE_X];

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  uint n = gl_WorkGroupID.x * TILE_X + tx;
  uint m = gl_WorkGroupID.y * TILE_Y + ty;
  uint batch = gl_WorkGroupID.z;
  uint abase = batch * p.a_batch, bbase = batch * p.b_batch;
  float acc = 0.0;
  for (uint k0 = 0; k0 < p.K; k0 += TILE_X) {
    uint ka = k0 + tx;
    As[ty][tx] = (m < p.M && ka < p.K) ? a[abase + m * p.a_m + ka * p.a_k] : SF(0.0);
    uint kb = k0 + ty;
    Bs[ty][tx] = (kb < p.K && n < p.N) ? b[bbase + kb * p.b_k + n * p.b_n] : SF(0.0);
    barrier();
    // fp16 variant: fp16 multiply-adds within a tile, the tiles summed in float.
    AF part = AF(0.0);
    for (uint kk = 0; kk < TILE_X; ++kk) part += As[ty][kk] * Bs[kk][tx];
    acc += float(part);
    barrier();
  }
  if (m < p.M && n < p.N) {
    float v = p.alpha * acc;
    if (HAS_BIAS != 0) v += p.beta * float(c[m * p.c_m + n * p.c_n]);
    y[(batch * p.M + m) * p.N + n] = SF(apply_act(v, p.act, p.act_alpha, p.act_beta));
  }
}
