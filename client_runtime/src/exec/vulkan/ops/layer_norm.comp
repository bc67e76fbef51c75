// LayerNormalization: one workgroup per row of `len` elements. Its WG threads stride over the
// row and reduce in shared memory twice (mean, then the mean squared deviation, as the
// reference backend's two passes), then write (x - mean) * inv * scale + bias. STATS outputs
// Mean (1) and InvStdDev (2) as well. Plain float (fp32 only).
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HAS_BIAS = 1;
layout(constant_id = 2) const uint STATS = 0;  // how many of Mean, InvStdDev are written
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) readonly buffer SBuf { SF scale[]; };
layout(std430, binding = 2) readonly buffer BBuf { SF bias[]; };  // scale again without bias
layout(std430, binding = 3) writeonly buffer YBuf { SF y[]; };
layout(std430, binding = 4) writeonly buffer MBuf { SF mean_out[]; };  // y when STATS < 1
layout(std430, binding = 5) writeonly buffer IBuf { SF inv_out[]; };   // y when STATS < 2

layout(push_constant, std430) uniform Params {
  uint rows, len;
  float epsilon;
} p;

shared float partial[WG];

// The sum of every thread's `v` (all threads get it).
float workgroup_sum(float v) {
  uint tid = gl_LocalInvocationID.x;
  partial[tid] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (tid < s) partial[tid] += partial[tid + s];
    barrier();
  }
  float r = partial[0];
  barrier();  // partial[] is reused by the next sum
  return r;
}

void main() {
  uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
  if (row >= p.rows) return;  // uniform per workgroup: safe around barrier()
  uint tid = gl_LocalInvocationID.x;
  uint base = row * p.len;
  float acc = 0.0;
  for (uint j = tid; j < p.len; j += WG) acc += float(x[base + j]);  // float sums
  float mean = workgroup_sum(acc) / float(p.len);
  acc = 0.0;
  for (uint j = tid; j < p.len; j += WG) {
    float d = float(x[base + j]) - mean;
    acc += d * d;
  }
  float inv = 1.0 / sqrt(workgroup_sum(acc) / float(p.len) + p.epsilon);
  for (uint j = tid; j < p.len; j += WG) {
    float b = HAS_BIAS != 0 ? float(bias[j]) : 0.0;
    y[base + j] = SF((float(x[base + j]) - mean) * inv * float(scale[j]) + b);
  }
  if (tid == 0 && STATS >= 1) mean_out[row] = SF(mean);
  if (tid == 0 && STATS >= 2) inv_out[row] = SF(inv);
}
