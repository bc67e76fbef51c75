// ReduceSum / ReduceMean / ReduceMax / ReduceMin (OP) over one contiguous run of axes: the input
// is viewed as [outer, reduced, inner]; one invocation per (outer, inner) output.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OP = 0;  // 0 Sum, 1 Mean, 2 Max, 3 Min
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint outputs, reduced, inner;
  uint act;
  float act_alpha, act_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.outputs) return;
  uint o = idx / p.inner, i = idx % p.inner;
  uint base = o * p.reduced * p.inner + i;
  float acc = OP == 2 ? uintBitsToFloat(0xff800000u) : OP == 3 ? uintBitsToFloat(0x7f800000u) : 0.0;
  for (uint r = 0; r < p.reduced; ++r) {
    float v = float(x[base + r * p.inner]);  // summed in float
    acc = OP == 2 ? max(acc, v) : OP == 3 ? min(acc, v) : acc + v;
  }
  if (OP == 1) acc /= float(p.reduced);
  y[idx] = SF(apply_act(acc, p.act, p.act_alpha, p.act_beta));
}
