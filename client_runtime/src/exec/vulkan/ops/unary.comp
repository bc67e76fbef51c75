// Unary ops: activations (Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh: kinds
// 1-7 of common.glsl) and math (kinds 16+: Sqrt, Erf, Exp, Neg, Abs, Reciprocal), then the
// node's fused activation.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total;
  uint op;
  float op_alpha, op_beta;
  uint act;
  float act_alpha, act_beta;
} p;

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), odd-extended.
float erf_approx(float x) {
  float t = 1.0 / (1.0 + 0.3275911 * abs(x));
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t +
                   0.254829592) * t * exp(-x * x);
  return sign(x) * y;
}

float apply_op(float x, uint kind, float alpha, float beta) {
  switch (kind) {
    case 16u: return sqrt(x);
    case 17u: return erf_approx(x);
    case 18u: return exp(x);
    case 19u: return -x;
    case 20u: return abs(x);
    case 21u: return 1.0 / x;
    default: return apply_act(x, kind, alpha, beta);
  }
}

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  // In float in both variants: memory-bound, and exp/erf/sqrt keep their fp32 accuracy.
  float v = apply_op(float(x[idx]), p.op, p.op_alpha, p.op_beta);
  y[idx] = SF(apply_act(v, p.act, p.act_alpha, p.act_beta));
}
