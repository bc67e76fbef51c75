// Add, Sub, Mul, Div, Pow (OP) with numpy broadcasting: the output index is split into up to 6 dims
// and each operand reads through its own strides (0 on broadcast dims). BROADCAST 0 is the
// equal-shape fast path.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OP = 0;  // 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Pow
layout(constant_id = 2) const uint BROADCAST = 1;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer ABuf { SF a[]; };
layout(std430, binding = 1) readonly buffer BBuf { SF b[]; };
layout(std430, binding = 2) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total;
  uint dims[6];
  uint a_strides[6];
  uint b_strides[6];
  uint act;
  float act_alpha, act_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint ia = idx, ib = idx;
  if (BROADCAST != 0) {
    ia = 0;
    ib = 0;
    uint rest = idx;
    for (int d = 5; d >= 0; --d) {
      uint c = rest % p.dims[d];
      rest /= p.dims[d];
      ia += c * p.a_strides[d];
      ib += c * p.b_strides[d];
    }
  }
  // fp16 variant: + - * / in fp16; Pow through float.
  AF va = AF(a[ia]), vb = AF(b[ib]), r;
  if (OP == 0) r = va + vb;
  else if (OP == 1) r = va - vb;
  else if (OP == 2) r = va * vb;
  else if (OP == 3) {
    r = va / vb;
#ifndef MOTA_FP16
    // Vulkan allows division 2.5 ulp off (NVIDIA's is approximate); one step on the exact
    // residual makes it correctly rounded in practice, like the CPU's, so that chains such as
    // Div -> Round -> Cast (DynamicQuantizeLinear) agree with the reference.
    if (r != 0.0 && !isinf(r) && !isnan(r)) {
      precise float e = fma(-r, vb, va);
      r += e / vb;
    }
#endif
  }
  else {
    // GLSL pow is undefined for a < 0; ONNX (C's pow) is defined for integer exponents.
    float fa = float(va), fb = float(vb);
    float m = pow(abs(fa), fb);
    bool odd = fract(fb) == 0.0 && fract(fb * 0.5) != 0.0;
    r = AF(fb == 2.0 ? fa * fa : (fa < 0.0 && fract(fb) != 0.0) ? uintBitsToFloat(0x7fc00000u)
                                                                : (fa < 0.0 && odd ? -m : m));
  }
  y[idx] = SF(apply_act(r, p.act, p.act_alpha, p.act_beta));
}
