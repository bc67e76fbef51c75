// FuseActivations: an activation right after a Conv / Gemm / MatMul / elementwise node becomes
// an attribute of that node (exec/activation.h), so backends apply it while the output is still
// in registers or cache instead of in a second pass over memory.
//
// First, the decomposed forms of HardSwish that exporters emit are recognized and replaced by one
// HardSwish node (which can then fuse):
//   x * HardSigmoid(x)                (alpha 1/6, beta 0.5)
//   x * Relu6(x + 3) / 6              (Div by 6 or Mul by 1/6, in either association)
// where Relu6 is Clip(0, 6), possibly already fused into the Add.
#include <cfloat>
#include <cmath>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

using exec::ActivationKind;

bool Near(float a, float b) { return std::fabs(a - b) <= 1e-5f * std::max(1.0f, std::fabs(b)); }

// True when t is an f32 constant with one element close to `value`.
bool IsScalar(const model::Graph& graph, int32_t t, float value) {
  if (!IsF32Constant(graph, t)) return false;
  std::optional<float> v = ScalarConstant(graph, t);
  return v && Near(*v, value);
}

// ---- HardSwish patterns ----

struct HardSwishMatch {
  int32_t x = -1;
  std::vector<int32_t> nodes;  // pattern nodes before the final one, to remove
};

// `node` is Add(x, 3) or Add(3, x): returns x, else -1.
int32_t PlusThreeOperand(const model::Graph& graph, const model::Node& node) {
  if (node.op_type != "Add" || node.inputs.size() != 2 || node.outputs.size() != 1) return -1;
  if (IsScalar(graph, node.inputs[1], 3.0f)) return node.inputs[0];
  if (IsScalar(graph, node.inputs[0], 3.0f)) return node.inputs[1];
  return -1;
}

// `node` is x / 6, x * (1/6) or (1/6) * x without an activation: returns x, else -1.
int32_t DivBySixOperand(const model::Graph& graph, const model::Node& node) {
  if (HasActivation(node) || node.inputs.size() != 2 || node.outputs.size() != 1) return -1;
  if (node.op_type == "Div") return IsScalar(graph, node.inputs[1], 6.0f) ? node.inputs[0] : -1;
  if (node.op_type != "Mul") return -1;
  if (IsScalar(graph, node.inputs[1], 1.0f / 6.0f)) return node.inputs[0];
  if (IsScalar(graph, node.inputs[0], 1.0f / 6.0f)) return node.inputs[1];
  return -1;
}

bool IsFusedRelu6(const model::Node& node) {
  return node.attrs.GetString(exec::kActivationAttr, "") == "Clip" &&
         node.attrs.GetFloat(exec::kActivationAlphaAttr, -1.0f) == 0.0f &&
         node.attrs.GetFloat(exec::kActivationBetaAttr, -1.0f) == 6.0f;
}

// t, read only by node `user`, is Relu6(x + 3): fills m.x and the nodes computing t.
bool MatchRelu6Plus3(const model::Graph& graph, const GraphUses& uses, int32_t t, int32_t user,
                     HardSwishMatch& m) {
  const int32_t p = uses.ProducerOf(t);
  if (p < 0 || !uses.OnlyFeeds(t, user)) return false;
  const model::Node& node = graph.nodes[p];
  if (node.op_type == "Add" && IsFusedRelu6(node)) {
    m.x = PlusThreeOperand(graph, node);
    m.nodes.push_back(p);
    return m.x >= 0;
  }
  if (node.op_type != "Clip" || HasActivation(node) || node.inputs.size() != 3) return false;
  if (!IsScalar(graph, node.inputs[1], 0.0f) || !IsScalar(graph, node.inputs[2], 6.0f)) {
    return false;
  }
  const int32_t a = node.inputs[0];
  const int32_t q = uses.ProducerOf(a);
  if (q < 0 || !uses.OnlyFeeds(a, p) || HasActivation(graph.nodes[q])) return false;
  m.x = PlusThreeOperand(graph, graph.nodes[q]);
  m.nodes.push_back(p);
  m.nodes.push_back(q);
  return m.x >= 0;
}

// Mul(u, v) with one side x and the other HardSigmoid(x) (alpha 1/6, beta 0.5).
bool MatchMulHardSigmoid(const model::Graph& graph, const GraphUses& uses, int32_t z, int32_t x,
                         int32_t h, HardSwishMatch& m) {
  const int32_t p = uses.ProducerOf(h);
  if (p < 0 || !uses.OnlyFeeds(h, z)) return false;
  const model::Node& node = graph.nodes[p];
  if (node.op_type != "HardSigmoid" || HasActivation(node) || node.inputs.size() != 1 ||
      node.inputs[0] != x) {
    return false;
  }
  if (!Near(node.attrs.GetFloat("alpha", 0.2f), 1.0f / 6.0f) ||
      !Near(node.attrs.GetFloat("beta", 0.5f), 0.5f)) {
    return false;
  }
  m.x = x;
  m.nodes = {p};
  return true;
}

// Mul(x, d) with d = Relu6(x + 3) / 6.
bool MatchMulScaledRelu6(const model::Graph& graph, const GraphUses& uses, int32_t z, int32_t x,
                         int32_t d, HardSwishMatch& m) {
  const int32_t p = uses.ProducerOf(d);
  if (p < 0 || !uses.OnlyFeeds(d, z)) return false;
  const int32_t r = DivBySixOperand(graph, graph.nodes[p]);
  m.nodes = {p};
  return r >= 0 && MatchRelu6Plus3(graph, uses, r, p, m) && m.x == x;
}

// (x * Relu6(x + 3)) / 6: node z divides by six; its operand is the Mul.
bool MatchScaledMulRelu6(const model::Graph& graph, const GraphUses& uses, int32_t z,
                         HardSwishMatch& m) {
  const int32_t prod = DivBySixOperand(graph, graph.nodes[z]);
  const int32_t p = uses.ProducerOf(prod);
  if (prod < 0 || p < 0 || !uses.OnlyFeeds(prod, z)) return false;
  const model::Node& mul = graph.nodes[p];
  if (mul.op_type != "Mul" || HasActivation(mul) || mul.inputs.size() != 2) return false;
  for (int side = 0; side < 2; ++side) {
    const int32_t x = mul.inputs[side];
    HardSwishMatch trial;
    trial.nodes = {p};
    if (MatchRelu6Plus3(graph, uses, mul.inputs[1 - side], p, trial) && trial.x == x) {
      m = trial;
      return true;
    }
  }
  return false;
}

std::optional<HardSwishMatch> MatchHardSwish(const model::Graph& graph, const GraphUses& uses,
                                             int32_t z) {
  const model::Node& node = graph.nodes[z];
  if (node.outputs.size() != 1 || HasActivation(node) || node.inputs.size() != 2) {
    return std::nullopt;
  }
  HardSwishMatch m;
  if (MatchScaledMulRelu6(graph, uses, z, m)) return m;
  if (node.op_type != "Mul") return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const int32_t x = node.inputs[side];
    const int32_t other = node.inputs[1 - side];
    m = HardSwishMatch();
    if (MatchMulHardSigmoid(graph, uses, z, x, other, m)) return m;
    m = HardSwishMatch();
    if (MatchMulScaledRelu6(graph, uses, z, x, other, m)) return m;
  }
  return std::nullopt;
}

// Replaces one HardSwish pattern; returns whether the graph changed.
bool RewriteOneHardSwish(model::Graph& graph) {
  const GraphUses uses = GraphUses::Build(graph);
  for (size_t z = 0; z < graph.nodes.size(); ++z) {
    std::optional<HardSwishMatch> m = MatchHardSwish(graph, uses, static_cast<int32_t>(z));
    if (!m) continue;
    model::Node& node = graph.nodes[z];
    node.op_type = "HardSwish";
    node.attrs = model::Attributes();
    node.inputs = {m->x};
    std::vector<uint8_t> remove(graph.nodes.size(), 0);
    for (int32_t n : m->nodes) remove[n] = 1;
    RemoveNodes(graph, remove);
    return true;
  }
  return false;
}

// ---- Fusion ----

// The activation an activation node computes; nullopt for other nodes or unfusable forms.
std::optional<exec::Activation> ActivationOf(const model::Graph& graph, const model::Node& node) {
  if (node.inputs.empty() || node.inputs[0] < 0 || node.outputs.size() != 1 ||
      HasActivation(node)) {
    return std::nullopt;
  }
  const std::string& op = node.op_type;
  const model::Attributes& a = node.attrs;
  if (op == "Relu") return exec::Activation{ActivationKind::kRelu};
  if (op == "HardSwish") return exec::Activation{ActivationKind::kHardSwish};
  if (op == "Sigmoid") return exec::Activation{ActivationKind::kSigmoid};
  if (op == "Tanh") return exec::Activation{ActivationKind::kTanh};
  if (op == "LeakyRelu") {
    return exec::Activation{ActivationKind::kLeakyRelu, a.GetFloat("alpha", 0.01f)};
  }
  if (op == "HardSigmoid") {
    return exec::Activation{ActivationKind::kHardSigmoid, a.GetFloat("alpha", 0.2f),
                            a.GetFloat("beta", 0.5f)};
  }
  if (op != "Clip") return std::nullopt;
  // Clip bounds must be known constants; an omitted bound is unbounded.
  float bounds[2] = {-FLT_MAX, FLT_MAX};
  for (size_t i = 1; i < node.inputs.size() && i < 3; ++i) {
    if (node.inputs[i] < 0) continue;
    if (!IsF32Constant(graph, node.inputs[i])) return std::nullopt;
    std::optional<float> v = ScalarConstant(graph, node.inputs[i]);
    if (!v) return std::nullopt;
    bounds[i - 1] = *v;
  }
  if (bounds[0] == 0.0f && bounds[1] == FLT_MAX) return exec::Activation{ActivationKind::kRelu};
  return exec::Activation{ActivationKind::kClip, bounds[0], bounds[1]};
}

bool CanTakeActivation(const std::string& op) {
  static const char* const kOps[] = {
      "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "BatchNormalization"};
  for (const char* name : kOps) {
    if (op == name) return true;
  }
  return false;
}

// Ops whose outputs are float whatever the graph says about dtypes.
bool FloatOnly(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "BatchNormalization";
}

void SetActivation(model::Node& node, const exec::Activation& act) {
  node.attrs.SetString(exec::kActivationAttr, exec::ActivationName(act.kind));
  const bool has_params = act.kind == ActivationKind::kClip ||
                          act.kind == ActivationKind::kLeakyRelu ||
                          act.kind == ActivationKind::kHardSigmoid;
  if (!has_params) return;
  node.attrs.SetFloat(exec::kActivationAlphaAttr, act.alpha);
  node.attrs.SetFloat(exec::kActivationBetaAttr, act.beta);
}

// Fuses one activation node into its producer; returns whether the graph changed.
bool FuseOne(model::Graph& graph) {
  const GraphUses uses = GraphUses::Build(graph);
  for (size_t a = 0; a < graph.nodes.size(); ++a) {
    std::optional<exec::Activation> act = ActivationOf(graph, graph.nodes[a]);
    if (!act) continue;
    const int32_t x = graph.nodes[a].inputs[0];
    const int32_t p = uses.ProducerOf(x);
    if (p < 0 || !uses.OnlyFeeds(x, static_cast<int32_t>(a))) continue;
    model::Node& producer = graph.nodes[p];
    if (!CanTakeActivation(producer.op_type) || HasActivation(producer) ||
        producer.outputs[0] != x) {
      continue;
    }
    // Backends apply fused activations to f32 outputs only.
    const int32_t y = graph.nodes[a].outputs[0];
    const bool is_float = graph.tensors[x].dtype == DType::kF32 ||
                          graph.tensors[y].dtype == DType::kF32 || FloatOnly(producer.op_type);
    if (!is_float) continue;
    SetActivation(producer, *act);
    producer.outputs[0] = y;
    RemoveNode(graph, static_cast<int32_t>(a));
    return true;
  }
  return false;
}

}  // namespace

Status FuseActivations(model::Graph& graph) {
  while (RewriteOneHardSwish(graph)) {
  }
  while (FuseOne(graph)) {
  }
  return Status::Ok();
}

}  // namespace mota::converter
