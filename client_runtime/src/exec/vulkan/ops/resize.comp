// Resize: every resized dim has a tap table (NTAPS (source index, weight) pairs per output
// index, built at prepare time; index -1: outside the roi, write `fill`); other dims map
// through. An output element sums the product of its dims' taps (NTAPS^k terms for k resized
// dims; NEAREST copies its single tap). Plain float (fp32 only).
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint NTAPS = 2;
layout(constant_id = 2) const uint NEAREST = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) readonly buffer TBuf { ivec2 taps[]; };  // (index, weight bits)
layout(std430, binding = 2) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total;
  uint out_dims[6];    // right-aligned (leading 1s)
  uint in_strides[6];
  uint table[6];       // first tap of the dim's table; 0xffffffff: not resized
  float fill;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint coord[6];
  uint rest = idx, base = 0, k = 0;
  uint resized[6];
  for (int d = 5; d >= 0; --d) {
    coord[d] = rest % p.out_dims[d];
    rest /= p.out_dims[d];
    if (p.table[d] == 0xffffffffu) {
      base += coord[d] * p.in_strides[d];
    } else {
      resized[k++] = uint(d);
    }
  }
  uint combos = 1;
  for (uint j = 0; j < k; ++j) combos *= NTAPS;
  float acc = 0.0;
  for (uint c = 0; c < combos; ++c) {
    uint cr = c, src = base;
    float w = 1.0;
    for (uint j = 0; j < k; ++j) {
      uint d = resized[j];
      ivec2 t = taps[p.table[d] + coord[d] * NTAPS + cr % NTAPS];
      cr /= NTAPS;
      if (t.x < 0) {
        y[idx] = SF(p.fill);
        return;
      }
      src += uint(t.x) * p.in_strides[d];
      w *= intBitsToFloat(t.y);
    }
    if (NEAREST != 0) {
      y[idx] = x[src];
      return;
    }
    acc += w * float(x[src]);  // weights and sum in float
  }
  y[idx] = SF(acc);
}
