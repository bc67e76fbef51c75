#include "converter/src/passes/graph_rewrite.h"

#include <cstring>
#include <unordered_set>

#include "exec/activation.h"

namespace mota::converter {
namespace {

bool ValidId(const model::Graph& graph, int32_t t) {
  return t >= 0 && static_cast<size_t>(t) < graph.tensors.size();
}

template <typename T>
std::vector<uint8_t> ToBytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

GraphUses GraphUses::Build(const model::Graph& graph) {
  GraphUses uses;
  const size_t count = graph.tensors.size();
  uses.producer = graph.Producers();
  uses.consumers.resize(count);
  uses.is_graph_input.assign(count, 0);
  uses.is_graph_output.assign(count, 0);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int32_t t : graph.nodes[n].inputs) {
      if (ValidId(graph, t)) uses.consumers[t].push_back(static_cast<int32_t>(n));
    }
  }
  for (int32_t t : graph.inputs) {
    if (ValidId(graph, t)) uses.is_graph_input[t] = 1;
  }
  for (int32_t t : graph.outputs) {
    if (ValidId(graph, t)) uses.is_graph_output[t] = 1;
  }
  return uses;
}

int32_t GraphUses::UseCount(int32_t t) const {
  if (t < 0 || static_cast<size_t>(t) >= consumers.size()) return 0;
  return static_cast<int32_t>(consumers[t].size()) + (is_graph_output[t] ? 1 : 0);
}

bool GraphUses::OnlyFeeds(int32_t t, int32_t node) const {
  if (t < 0 || static_cast<size_t>(t) >= consumers.size()) return false;
  return !is_graph_output[t] && consumers[t].size() == 1 && consumers[t][0] == node;
}

int32_t GraphUses::ProducerOf(int32_t t) const {
  if (t < 0 || static_cast<size_t>(t) >= producer.size()) return -1;
  return producer[t];
}

void ReplaceUses(model::Graph& graph, int32_t from, int32_t to) {
  for (model::Node& node : graph.nodes) {
    for (int32_t& t : node.inputs) {
      if (t == from) t = to;
    }
  }
}

void RemoveNodes(model::Graph& graph, const std::vector<uint8_t>& remove) {
  size_t kept = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (n < remove.size() && remove[n]) continue;
    if (kept != n) graph.nodes[kept] = std::move(graph.nodes[n]);
    ++kept;
  }
  graph.nodes.resize(kept);
}

void RemoveNode(model::Graph& graph, int32_t node) {
  graph.nodes.erase(graph.nodes.begin() + node);
}

bool IsGraphInput(const model::Graph& graph, int32_t t) {
  for (int32_t i : graph.inputs) {
    if (i == t) return true;
  }
  return false;
}

bool IsGraphOutput(const model::Graph& graph, int32_t t) {
  for (int32_t o : graph.outputs) {
    if (o == t) return true;
  }
  return false;
}

std::string UniqueTensorName(const model::Graph& graph, std::string_view base) {
  std::unordered_set<std::string_view> names;
  names.reserve(graph.tensors.size());
  for (const model::TensorInfo& t : graph.tensors) names.insert(t.name);
  std::string name(base);
  for (int suffix = 1; names.count(name) != 0; ++suffix) name = StrCat(base, "_", suffix);
  return name;
}

std::optional<exec::TensorView> StaticView(const model::Graph& graph, int32_t t) {
  if (!ValidId(graph, t)) return std::nullopt;
  const model::TensorInfo& info = graph.tensors[t];
  if (info.dtype == DType::kUndefined || !info.IsStaticShape()) return std::nullopt;
  exec::TensorView view{info.dtype, info.StaticShape(), nullptr};
  if (info.is_constant) {
    // A constant whose byte size disagrees with its shape cannot be read safely.
    if (info.constant.size != view.nbytes() ||
        (info.constant.data == nullptr && view.nbytes() != 0)) {
      return std::nullopt;
    }
    view.data = const_cast<uint8_t*>(info.constant.data);
  }
  return view;
}

bool IsF32Constant(const model::Graph& graph, int32_t t) {
  return ValidId(graph, t) && graph.tensors[t].is_constant &&
         graph.tensors[t].dtype == DType::kF32 && StaticView(graph, t).has_value();
}

std::optional<std::vector<float>> ConstantAsFloats(const model::Graph& graph, int32_t t) {
  if (!ValidId(graph, t) || !graph.tensors[t].is_constant) return std::nullopt;
  std::optional<exec::TensorView> view = StaticView(graph, t);
  if (!view || view->dtype == DType::kBool) return std::nullopt;
  if (view->dtype == DType::kF32) {
    const float* p = view->as<float>();
    return std::vector<float>(p, p + view->numel());
  }
  std::vector<double> values = exec::ReadAsDouble(*view);
  return std::vector<float>(values.begin(), values.end());
}

std::optional<float> ScalarConstant(const model::Graph& graph, int32_t t) {
  std::optional<std::vector<float>> values = ConstantAsFloats(graph, t);
  if (!values || values->size() != 1) return std::nullopt;
  return (*values)[0];
}

std::optional<std::vector<int64_t>> ConstantAsInts(const model::Graph& graph, int32_t t) {
  if (!ValidId(graph, t) || !graph.tensors[t].is_constant) return std::nullopt;
  std::optional<exec::TensorView> view = StaticView(graph, t);
  if (!view || (view->dtype != DType::kI64 && view->dtype != DType::kI32)) return std::nullopt;
  return exec::ReadIntValues(*view);
}

int32_t AddF32Constant(model::Graph& graph, std::string_view base, const Shape& shape,
                       const std::vector<float>& values) {
  return graph.AddConstant(UniqueTensorName(graph, base), DType::kF32, shape, ToBytes(values));
}

int32_t AddI64Constant(model::Graph& graph, std::string_view base, const Shape& shape,
                       const std::vector<int64_t>& values) {
  return graph.AddConstant(UniqueTensorName(graph, base), DType::kI64, shape, ToBytes(values));
}

std::optional<Shape> StaticShapeOf(const model::Graph& graph, int32_t t) {
  if (!ValidId(graph, t) || !graph.tensors[t].IsStaticShape()) return std::nullopt;
  return graph.tensors[t].StaticShape();
}

bool HasActivation(const model::Node& node) { return node.attrs.Has(exec::kActivationAttr); }

void CopyActivation(const model::Node& from, model::Node& to) {
  for (const char* name :
       {exec::kActivationAttr, exec::kActivationAlphaAttr, exec::kActivationBetaAttr}) {
    if (const model::Attribute* a = from.attrs.Find(name)) to.attrs.Set(*a);
  }
}

}  // namespace mota::converter
