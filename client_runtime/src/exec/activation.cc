#include "exec/activation.h"

#include <algorithm>
#include <cmath>

namespace mota::exec {

const char* ActivationName(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::kNone:
      return "";
    case ActivationKind::kRelu:
      return "Relu";
    case ActivationKind::kClip:
      return "Clip";
    case ActivationKind::kLeakyRelu:
      return "LeakyRelu";
    case ActivationKind::kHardSigmoid:
      return "HardSigmoid";
    case ActivationKind::kHardSwish:
      return "HardSwish";
    case ActivationKind::kSigmoid:
      return "Sigmoid";
    case ActivationKind::kTanh:
      return "Tanh";
  }
  return "";
}

Result<Activation> ReadActivation(const model::Attributes& attrs) {
  Activation act;
  const model::Attribute* a = attrs.Find(kActivationAttr);
  if (a == nullptr) return act;
  for (int k = 1; k <= static_cast<int>(ActivationKind::kTanh); ++k) {
    if (a->s == ActivationName(static_cast<ActivationKind>(k)))
      act.kind = static_cast<ActivationKind>(k);
  }
  if (act.kind == ActivationKind::kNone) {
    return InvalidArgument(
        "unknown fused activation '", a->s,
        "': expected Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid or Tanh");
  }
  act.alpha = attrs.GetFloat(kActivationAlphaAttr, 0.0f);
  act.beta = attrs.GetFloat(kActivationBetaAttr, 0.0f);
  return act;
}

float Activation::Apply(float x) const {
  switch (kind) {
    case ActivationKind::kNone:
      return x;
    case ActivationKind::kRelu:
      return x > 0.0f ? x : 0.0f;
    case ActivationKind::kClip:
      return std::min(std::max(x, alpha), beta);
    case ActivationKind::kLeakyRelu:
      return x >= 0.0f ? x : alpha * x;
    case ActivationKind::kHardSigmoid:
      return std::max(0.0f, std::min(1.0f, alpha * x + beta));
    case ActivationKind::kHardSwish:
      return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
    case ActivationKind::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case ActivationKind::kTanh:
      return std::tanh(x);
  }
  return x;
}

void ApplyActivation(const Activation& act, float* data, int64_t n) {
  switch (act.kind) {
    case ActivationKind::kNone:
      return;
    case ActivationKind::kRelu:
      for (int64_t i = 0; i < n; ++i) data[i] = data[i] > 0.0f ? data[i] : 0.0f;
      return;
    case ActivationKind::kClip:
      for (int64_t i = 0; i < n; ++i) data[i] = std::min(std::max(data[i], act.alpha), act.beta);
      return;
    case ActivationKind::kHardSwish:  // one loop per kind so the compiler vectorizes it
      for (int64_t i = 0; i < n; ++i)
        data[i] = data[i] * std::max(0.0f, std::min(1.0f, data[i] / 6.0f + 0.5f));
      return;
    case ActivationKind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i)
        data[i] = std::max(0.0f, std::min(1.0f, act.alpha * data[i] + act.beta));
      return;
    case ActivationKind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) data[i] = data[i] >= 0.0f ? data[i] : act.alpha * data[i];
      return;
    default:
      for (int64_t i = 0; i < n; ++i) data[i] = act.Apply(data[i]);
      return;
  }
}

}  // namespace mota::exec
