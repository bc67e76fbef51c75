// Strided chunk copy for Concat and Split: element j of row o moves from
// x[o * in_stride + in_offset + j] to y[o * out_stride + out_offset + j], j < chunk.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total, chunk;
  uint in_stride, in_offset;
  uint out_stride, out_offset;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint o = idx / p.chunk, j = idx % p.chunk;
  y[o * p.out_stride + p.out_offset + j] = x[o * p.in_stride + p.in_offset + j];
}
