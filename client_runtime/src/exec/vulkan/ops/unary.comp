// Activation ops (Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh): the op itself
// as activation 1, then the node's fused activation as activation 2.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { float y[]; };

layout(push_constant, std430) uniform Params {
  uint total;
  uint op;
  float op_alpha, op_beta;
  uint act;
  float act_alpha, act_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  float v = apply_act(x[idx], p.op, p.op_alpha, p.op_beta);
  y[idx] = apply_act(v, p.act, p.act_alpha, p.act_beta);
}
