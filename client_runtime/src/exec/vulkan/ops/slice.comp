// Slice: each output element reads the input at base + sum(coord[d] * stride[d]), where the
// strides already include the steps (negative for reversed axes). Plain float (fp32 only).
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
  uint dims[6];     // output dims, right-aligned (leading 1s)
  int strides[6];   // input elements per output step of each dim
  uint base;        // input element of output index 0
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint rest = idx;
  int src = int(p.base);
  for (int d = 5; d >= 0; --d) {
    src += int(rest % p.dims[d]) * p.strides[d];
    rest /= p.dims[d];
  }
  y[idx] = x[src];
}
