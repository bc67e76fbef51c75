// Softmax / LogSoftmax (LOG) along one axis of an [outer, axis, inner] view: one invocation per
// (outer, inner) row, three passes (max, sum of exp, write), numerically stable.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint LOG = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint rows, axis, inner;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.rows) return;
  uint o = idx / p.inner, i = idx % p.inner;
  uint base = o * p.axis * p.inner + i;
  float m = uintBitsToFloat(0xff800000u);
  // In float in both variants (exp and the sum); fp16 only in storage.
  for (uint a = 0; a < p.axis; ++a) m = max(m, float(x[base + a * p.inner]));
  float sum = 0.0;
  for (uint a = 0; a < p.axis; ++a) sum += exp(float(x[base + a * p.inner]) - m);
  for (uint a = 0; a < p.axis; ++a) {
    float v = float(x[base + a * p.inner]) - m;
    y[base + a * p.inner] = SF(LOG != 0 ? v - log(sum) : exp(v) / sum);
  }
}
