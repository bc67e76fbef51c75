// GlobalAveragePool / GlobalMaxPool (IS_MAX): one workgroup reduces one (n, c) plane; its WG
// threads stride over the plane, then reduce in shared memory.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint IS_MAX = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint planes, size;
  uint act;
  float act_alpha, act_beta;
} p;

shared float partial[WG];

void main() {
  uint plane = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (plane >= p.planes) return;  // uniform per workgroup: safe around barrier()
  uint tid = gl_LocalInvocationID.x;
  float acc = IS_MAX != 0 ? uintBitsToFloat(0xff800000u) : 0.0;
  for (uint i = tid; i < p.size; i += WG) {
    float v = float(x[plane * p.size + i]);  // summed in float
    acc = IS_MAX != 0 ? max(acc, v) : acc + v;
  }
  partial[tid] = acc;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (tid < s) {
      partial[tid] = IS_MAX != 0 ? max(partial[tid], partial[tid + s]) : partial[tid] + partial[tid + s];
    }
    barrier();
  }
  if (tid == 0) {
    float r = IS_MAX != 0 ? partial[0] : partial[0] / float(p.size);
    y[plane] = SF(apply_act(r, p.act, p.act_alpha, p.act_beta));
  }
}
