// The second pass of a split-K convolution (conv_gemm.comp SPLIT > 1): y = act2(act(sum of the
// SPLIT partial sums + bias) + residual), one invocation per output element of [N, M, OH * OW].
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(constant_id = 2) const uint HAS_RESIDUAL = 0;
layout(constant_id = 3) const uint SPLIT = 2;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer PBuf { float part[]; };
layout(std430, binding = 1) readonly buffer BBuf { SF bias[]; };
layout(std430, binding = 2) readonly buffer RBuf { SF res[]; };
layout(std430, binding = 3) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total;  // N * M * OH * OW: also the stride between slices
  uint M, ohw;
  uint act;
  float act_alpha, act_beta;
  uint act2;
  float act2_alpha, act2_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  float sum = 0.0;
  for (uint s = 0; s < SPLIT; ++s) sum += part[s * p.total + idx];
  if (HAS_BIAS != 0) sum += float(bias[(idx / p.ohw) % p.M]);
  float v = apply_act(sum, p.act, p.act_alpha, p.act_beta);
  if (HAS_RESIDUAL != 0) v = apply_act(v + float(res[idx]), p.act2, p.act2_alpha, p.act2_beta);
  y[idx] = SF(v);
}
