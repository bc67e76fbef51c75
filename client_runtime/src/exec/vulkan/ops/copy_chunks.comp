// One Concat input copied into its slice of the output: the input is [outer, chunk] and lands
// at [outer, offset .. offset + chunk) of the [outer, out_chunk] output.
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, binding = 1) buffer YBuf { float y[]; };

layout(push_constant, std430) uniform Params {
  uint total, chunk, out_chunk, offset;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint o = idx / p.chunk, j = idx % p.chunk;
  y[o * p.out_chunk + p.offset + j] = x[idx];
}
