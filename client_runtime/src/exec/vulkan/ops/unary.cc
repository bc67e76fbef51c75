// Unary ops (f32): the activations Relu, Clip (min/max inputs known at prepare time),
// LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh (semantics of exec/activation.h) and Sqrt,
// Erf, Exp, Neg, Abs, Reciprocal (unary.comp kinds 16+).
#include <limits>
#include <utility>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

// The layout of unary.comp's push constant block.
struct ShaderPush {
  uint32_t total;
  ActPush op;
  ActPush act;
};

Result<ActPush> OpActivation(const OpContext& ctx) {
  const std::string& op = ctx.node.op_type;
  const model::Attributes& a = ctx.attrs();
  auto make = [](ActivationKind k, float alpha = 0, float beta = 0) {
    return ActPush{static_cast<uint32_t>(k), alpha, beta};
  };
  static constexpr std::pair<const char*, uint32_t> kMath[] = {
      {"Sqrt", 16}, {"Erf", 17}, {"Exp", 18}, {"Neg", 19}, {"Abs", 20}, {"Reciprocal", 21}};
  for (const auto& [name, kind] : kMath) {
    if (op == name) return ActPush{kind, 0, 0};
  }
  if (op == "Relu") return make(ActivationKind::kRelu);
  if (op == "Sigmoid") return make(ActivationKind::kSigmoid);
  if (op == "Tanh") return make(ActivationKind::kTanh);
  if (op == "HardSwish") return make(ActivationKind::kHardSwish);
  if (op == "LeakyRelu") return make(ActivationKind::kLeakyRelu, a.GetFloat("alpha", 0.01f));
  if (op == "HardSigmoid") {
    return make(ActivationKind::kHardSigmoid, a.GetFloat("alpha", 0.2f), a.GetFloat("beta", 0.5f));
  }
  // Clip: optional min and max inputs; absent means unbounded.
  float bounds[2] = {-std::numeric_limits<float>::infinity(),
                     std::numeric_limits<float>::infinity()};
  for (size_t i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.inputs[i].host == nullptr)
      return ctx.Unsupported("input ", i, " is not known at prepare time");
    bounds[i - 1] = *static_cast<const float*>(ctx.inputs[i].host);
  }
  return make(ActivationKind::kClip, bounds[0], bounds[1]);
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  MOTA_RETURN_IF_ERROR(OpActivation(ctx).status());
  return ReadActPush(ctx.node).status();
}

Status Build(OpBuilder& b) {
  ShaderPush p{};
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  MOTA_ASSIGN_OR_RETURN(p.op, OpActivation(b));
  MOTA_ASSIGN_OR_RETURN(p.act, ReadActPush(b.node));
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("unary", {b.tuning.elementwise_wg}, p, {b.Input(0)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

#define MOTA_VK_UNARY(op) \
  MOTA_REGISTER_VK_OP(op, {#op, ::mota::exec::vk::Check, ::mota::exec::vk::Build})
MOTA_VK_UNARY(Relu);
MOTA_VK_UNARY(Clip);
MOTA_VK_UNARY(LeakyRelu);
MOTA_VK_UNARY(HardSigmoid);
MOTA_VK_UNARY(HardSwish);
MOTA_VK_UNARY(Sigmoid);
MOTA_VK_UNARY(Tanh);
MOTA_VK_UNARY(Sqrt);
MOTA_VK_UNARY(Erf);
MOTA_VK_UNARY(Exp);
MOTA_VK_UNARY(Neg);
MOTA_VK_UNARY(Abs);
MOTA_VK_UNARY(Reciprocal);
