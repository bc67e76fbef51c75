// Pad (MODE 0 constant, 1 reflect, 2 edge, 3 wrap): each output element maps every coordinate
// back into the input (exec/reference/ops/pad.cc's SourceIndex) or writes the constant.
// Plain float (fp32 only).
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint MODE = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total;
  uint out_dims[6];  // right-aligned (leading 1s)
  int in_dims[6];
  int begin[6];      // pad before each dim (negative: crop)
  float value;
} p;

// a mod n in [0, n). GLSL leaves % undefined for negative operands (NVIDIA's differs from C's),
// so it is only applied to non-negative ones.
int pmod(int a, int n) { return a >= 0 ? a % n : n - 1 - ((-a - 1) % n); }

// The input index for output position o of a dim, or -1 for the constant.
int source_index(int o, int begin, int n) {
  int i = o - begin;
  if (i >= 0 && i < n) return i;
  if (MODE == 0) return -1;
  if (MODE == 2) return i < 0 ? 0 : n - 1;
  if (MODE == 3) return pmod(i, n);
  if (n == 1) return 0;
  int period = 2 * (n - 1);
  int m = pmod(i, period);
  return m < n ? m : period - m;
}

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint rest = idx;
  int src = 0, stride = 1;
  bool constant = false;
  for (int d = 5; d >= 0; --d) {
    int o = int(rest % p.out_dims[d]);
    rest /= p.out_dims[d];
    int i = source_index(o, p.begin[d], p.in_dims[d]);
    constant = constant || i < 0;
    src += i * stride;
    stride *= p.in_dims[d];
  }
  y[idx] = constant ? SF(p.value) : x[src];
}
