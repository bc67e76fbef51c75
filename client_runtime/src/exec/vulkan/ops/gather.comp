// Gather along one axis of an [outer, dim, inner] view: output [outer, n, inner] reads row
// indices[j] (i32, or i64 read as two words when I64 != 0; negative counts from the end). An
// index out of range writes NaN: the GPU cannot fail the run as the reference backend does, so
// it poisons the output instead of reading another row. Plain float (fp32 only).
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint I64 = 1;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) readonly buffer IBuf { uint indices[]; };
layout(std430, binding = 2) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total, n, dim, inner;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint i = idx % p.inner, rest = idx / p.inner;
  uint j = rest % p.n, o = rest / p.n;
  int k;
  bool ok;
  if (I64 != 0) {
    uint lo = indices[2 * j], hi = indices[2 * j + 1];
    k = int(lo);
    // Fits in int32 only when the high word is the sign extension of the low one.
    ok = hi == (k < 0 ? 0xffffffffu : 0u);
  } else {
    k = int(indices[j]);
    ok = true;
  }
  int dim = int(p.dim);
  ok = ok && k >= -dim && k < dim;
  if (k < 0) k += dim;
  y[idx] = ok ? x[(o * p.dim + uint(k)) * p.inner + i] : SF(uintBitsToFloat(0x7fc00000u));
}
