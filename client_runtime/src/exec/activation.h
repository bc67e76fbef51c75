// Fused activations. A node may carry `activation` (string) with `activation_alpha` and
// `activation_beta` (floats): the converter fuses a following activation node into it, and every
// backend applies it to output 0 (float). Values and meanings:
//   Relu                  max(x, 0)
//   Clip                  min(max(x, alpha), beta)           (Relu6 is Clip 0, 6)
//   LeakyRelu             x >= 0 ? x : alpha * x
//   HardSigmoid           max(0, min(1, alpha * x + beta))
//   HardSwish             x * max(0, min(1, x / 6 + 0.5))
//   Sigmoid               1 / (1 + exp(-x))
//   Tanh                  tanh(x)
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "model/attributes.h"

namespace mota::exec {

enum class ActivationKind : uint8_t { kNone, kRelu, kClip, kLeakyRelu, kHardSigmoid, kHardSwish, kSigmoid, kTanh };

struct Activation {
  ActivationKind kind = ActivationKind::kNone;
  float alpha = 0.0f;
  float beta = 0.0f;

  float Apply(float x) const;
};

inline constexpr const char* kActivationAttr = "activation";
inline constexpr const char* kActivationAlphaAttr = "activation_alpha";
inline constexpr const char* kActivationBetaAttr = "activation_beta";

// Reads the node's fused activation; kNone when absent; an error for an unknown name.
Result<Activation> ReadActivation(const model::Attributes& attrs);
// Name used in the attribute for a kind ("" for kNone).
const char* ActivationName(ActivationKind kind);
// Applies in place to n floats.
void ApplyActivation(const Activation& act, float* data, int64_t n);

}  // namespace mota::exec
