// Conv2D with one input channel per group (depthwise, channel multiplier M / C): one output
// element per invocation; the taps are few, so registers beat shared memory here.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) readonly buffer WBuf { SF w[]; };
layout(std430, binding = 2) readonly buffer BBuf { SF bias[]; };
layout(std430, binding = 3) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total, C, H, W, M, OH, OW;
  uint KH, KW, SH, SW, PH, PW, DH, DW;
  uint act;
  float act_alpha, act_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint ox = idx % p.OW;
  uint t = idx / p.OW;
  uint oy = t % p.OH;
  t /= p.OH;
  uint oc = t % p.M;
  uint b = t / p.M;
  uint ic = oc / (p.M / p.C);
  uint xbase = (b * p.C + ic) * p.H * p.W;
  uint wbase = oc * p.KH * p.KW;
  float acc = HAS_BIAS != 0 ? float(bias[oc]) : 0.0;  // products in AF, their sum in float
  for (uint ky = 0; ky < p.KH; ++ky) {
    int iy = int(oy * p.SH + ky * p.DH) - int(p.PH);
    if (iy < 0 || iy >= int(p.H)) continue;
    for (uint kx = 0; kx < p.KW; ++kx) {
      int ix = int(ox * p.SW + kx * p.DW) - int(p.PW);
      if (ix < 0 || ix >= int(p.W)) continue;
      acc += float(AF(x[xbase + uint(iy) * p.W + uint(ix)]) * AF(w[wbase + ky * p.KW + kx]));
    }
  }
  y[idx] = SF(apply_act(acc, p.act, p.act_alpha, p.act_beta));
}
