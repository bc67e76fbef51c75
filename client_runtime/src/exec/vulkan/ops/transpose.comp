// Transpose up to 6 dims: each output element reads the input through permuted strides.
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
  uint dims[6];        // output dims
  uint in_strides[6];  // input stride of each output dim
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint rest = idx, src = 0;
  for (int d = 5; d >= 0; --d) {
    src += (rest % p.dims[d]) * p.in_strides[d];
    rest /= p.dims[d];
  }
  y[idx] = x[src];
}
