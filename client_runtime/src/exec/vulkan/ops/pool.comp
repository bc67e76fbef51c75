// MaxPool / AveragePool (IS_MAX) over 2-D windows: one output element per invocation. Average:
// the divisor counts taps on real input, or (count_include_pad) taps inside the padded input,
// never taps past the end padding that ceil_mode adds.
// mota: fp16
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint IS_MAX = 1;
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer XBuf { SF x[]; };
layout(std430, binding = 1) writeonly buffer YBuf { SF y[]; };

layout(push_constant, std430) uniform Params {
  uint total, H, W, OH, OW;
  uint KH, KW, SH, SW, PH, PW, DH, DW;
  uint padded_h, padded_w;  // H + pad_begin + pad_end, likewise W
  uint include_pad;
  uint act;
  float act_alpha, act_beta;
} p;

void main() {
  uint idx = flat_index();
  if (idx >= p.total) return;
  uint ox = idx % p.OW;
  uint t = idx / p.OW;
  uint oy = t % p.OH;
  uint plane = t / p.OH;
  uint base = plane * p.H * p.W;
  float acc = IS_MAX != 0 ? uintBitsToFloat(0xff800000u) : 0.0;  // -inf for max
  uint valid = 0, padded = 0;
  for (uint ky = 0; ky < p.KH; ++ky) {
    uint py = oy * p.SH + ky * p.DH;  // position in the padded input
    if (py >= p.padded_h) continue;
    int iy = int(py) - int(p.PH);
    for (uint kx = 0; kx < p.KW; ++kx) {
      uint px = ox * p.SW + kx * p.DW;
      if (px >= p.padded_w) continue;
      ++padded;
      int ix = int(px) - int(p.PW);
      if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) continue;
      ++valid;
      float v = float(x[base + uint(iy) * p.W + uint(ix)]);  // averages sum in float
      acc = IS_MAX != 0 ? max(acc, v) : acc + v;
    }
  }
  if (IS_MAX == 0) {
    uint count = p.include_pad != 0 ? padded : valid;
    acc = count > 0 ? acc / float(count) : 0.0;
  }
  y[idx] = SF(apply_act(acc, p.act, p.act_alpha, p.act_beta));
}
