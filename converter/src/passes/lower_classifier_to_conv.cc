// LowerClassifierToConv: the classifier head of most CNNs is
//   GlobalAveragePool -> Flatten (N, C) -> Gemm / MatMul (constant weights) -> (N, K)
// Rewriting the Gemm as a 1x1 Conv on the pooled (N, C, 1, 1) tensor followed by a Flatten keeps
// the whole network in the NCHW conv path (one layout, one kind of kernel for GPU backends, and
// the same weight layout as the other convolutions for quantization):
//   GlobalAveragePool -> Conv 1x1 (W as K x C x 1 x 1, bias) -> Flatten (N, K)
// Gemm's alpha is folded into the weights and beta into the bias; a bias Add right after a
// MatMul (or a Gemm without C) becomes the Conv's bias too. Also handled: the pool as a
// ReduceMean over H and W (keepdims=1 followed by Flatten/Reshape, or keepdims=0 directly).
#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

// The classifier weights as a Conv needs them.
struct ConvWeights {
  std::vector<float> w;  // K x C, row-major
  std::vector<float> bias;
  bool has_bias = false;
  std::string bias_name;  // the constant the bias came from
  int64_t k = 0;
};

// Channels of a rank-4 tensor when known, else -1.
int64_t Channels(const model::Graph& graph, int32_t t) {
  if (t < 0) return -1;
  const model::TensorInfo& info = graph.tensors[t];
  if (!info.has_shape || info.dims.size() != 4 || !info.dims[1].is_static()) return -1;
  return info.dims[1].value;
}

// True when node is a ReduceMean over exactly axes {2, 3} of a rank-4 tensor with `keepdims`.
bool IsSpatialReduceMean(const model::Graph& graph, const model::Node& node, int64_t keepdims) {
  if (node.op_type != "ReduceMean" || node.inputs.size() < 2 ||
      Channels(graph, node.inputs[0]) < 0) {
    return false;
  }
  if (node.attrs.GetInt("keepdims", 1) != keepdims) return false;
  std::optional<std::vector<int64_t>> axes = ConstantAsInts(graph, node.inputs[1]);
  if (!axes || axes->size() != 2) return false;
  bool seen[4] = {false, false, false, false};
  for (int64_t a : *axes) {
    if (a < 0) a += 4;
    if (a < 0 || a >= 4) return false;
    seen[a] = true;
  }
  return seen[2] && seen[3];
}

// Global pooling to (N, C, 1, 1): returns C, or -1 when `node` is not such a pool.
int64_t PooledChannels(const model::Graph& graph, const model::Node& node) {
  if (node.inputs.empty() || node.outputs.size() != 1 || HasActivation(node)) return -1;
  if (node.op_type == "GlobalAveragePool" || IsSpatialReduceMean(graph, node, 1)) {
    return Channels(graph, node.inputs[0]);
  }
  return -1;
}

// ---- Reshape targets computed at run time ----
// With a dynamic batch, `x.view(x.size(0), -1)` exports as Reshape(p, Concat(batch, [-1])) where
// batch comes from Shape(p) through Gather / Slice (and Casts / Unsqueeze). Such a target is
// still (N, C).

// The tensor a value-preserving Cast (to an integer type) or Unsqueeze / Squeeze was applied to.
int32_t SkipShapeCasts(const model::Graph& graph, const GraphUses& uses, int32_t t) {
  for (int hops = 0; hops < 8; ++hops) {
    const int32_t p = uses.ProducerOf(t);
    if (p < 0 || graph.nodes[p].inputs.empty()) return t;
    const model::Node& node = graph.nodes[p];
    const int64_t to = node.attrs.GetInt("to", 0);
    const bool int_cast = node.op_type == "Cast" && (to == static_cast<int64_t>(DType::kI32) ||
                                                     to == static_cast<int64_t>(DType::kI64));
    if (!int_cast && node.op_type != "Unsqueeze" && node.op_type != "Squeeze") return t;
    t = node.inputs[0];
  }
  return t;
}

// A constant holding exactly `values` (i32 or i64).
bool ConstantEquals(const model::Graph& graph, int32_t t, const std::vector<int64_t>& values) {
  std::optional<std::vector<int64_t>> v = ConstantAsInts(graph, t);
  return v && *v == values;
}

// True when the one-element tensor `t` holds dim 0 of `a` or `b`: Gather(Shape, 0) or
// Slice(Shape, 0, 1), or the constant 0 (Reshape copies that dim).
bool IsBatchValue(const model::Graph& graph, const GraphUses& uses, int32_t t, int32_t a,
                  int32_t b) {
  t = SkipShapeCasts(graph, uses, t);
  if (ConstantEquals(graph, t, {0})) return true;
  const int32_t p = uses.ProducerOf(t);
  if (p < 0 || graph.nodes[p].inputs.size() < 2) return false;
  const model::Node& pick = graph.nodes[p];
  const bool gather = pick.op_type == "Gather" && pick.attrs.GetInt("axis", 0) == 0 &&
                      ConstantEquals(graph, pick.inputs[1], {0});
  const auto input = [&](size_t i) { return i < pick.inputs.size() ? pick.inputs[i] : -1; };
  const bool slice = pick.op_type == "Slice" && ConstantEquals(graph, input(1), {0}) &&
                     ConstantEquals(graph, input(2), {1}) &&
                     (input(3) < 0 || ConstantEquals(graph, input(3), {0})) &&
                     (input(4) < 0 || ConstantEquals(graph, input(4), {1}));
  if (!gather && !slice) return false;
  const int32_t s = uses.ProducerOf(SkipShapeCasts(graph, uses, pick.inputs[0]));
  if (s < 0) return false;
  const model::Node& shape = graph.nodes[s];
  return shape.op_type == "Shape" && shape.attrs.GetInt("start", 0) == 0 &&
         (shape.inputs[0] == a || shape.inputs[0] == b);
}

// A Reshape target Concat(first, second) of two one-element values giving (N, C) for the
// pooled tensor p = pool(x).
bool IsComputedTargetNC(const model::Graph& graph, const GraphUses& uses, int32_t target, int32_t p,
                        int32_t x, int64_t c) {
  const int32_t producer = uses.ProducerOf(target);
  if (producer < 0 || StaticShapeOf(graph, target) != Shape{2}) return false;
  const model::Node& concat = graph.nodes[producer];
  if (concat.op_type != "Concat" || concat.inputs.size() != 2) return false;
  std::optional<std::vector<int64_t>> second = ConstantAsInts(graph, concat.inputs[1]);
  if (!second || second->size() != 1) return false;
  // (?, C) holds N * C elements, so the first dim is N; (?, -1) needs the first to be N.
  if ((*second)[0] == c) return true;
  return (*second)[0] == -1 && IsBatchValue(graph, uses, concat.inputs[0], p, x);
}

// True when `node` turns the pooled (N, C, 1, 1) tensor p = pool(x) into (N, C).
bool IsFlattenToNC(const model::Graph& graph, const GraphUses& uses, const model::Node& node,
                   int32_t x, int64_t c) {
  if (HasActivation(node) || node.inputs.empty() || node.outputs.size() != 1) return false;
  if (node.op_type == "Flatten") {
    const int64_t axis = node.attrs.GetInt("axis", 1);
    return axis == 1 || axis == -3;
  }
  if (node.op_type != "Reshape" || node.inputs.size() < 2 || node.attrs.GetInt("allowzero", 0)) {
    return false;
  }
  std::optional<std::vector<int64_t>> shape = ConstantAsInts(graph, node.inputs[1]);
  if (!shape) return IsComputedTargetNC(graph, uses, node.inputs[1], node.inputs[0], x, c);
  if (shape->size() != 2) return false;
  const model::Dim& n = graph.tensors[x].dims[0];
  const int64_t s0 = (*shape)[0], s1 = (*shape)[1];
  const bool batch_ok = s0 == 0 || (s0 == -1 && s1 == c) || (n.is_static() && s0 == n.value);
  const bool channels_ok = s1 == c || (s1 == -1 && s0 != -1);
  return batch_ok && channels_ok;
}

// Reads Gemm / MatMul weights for `c` input features; nullopt when they cannot become a Conv.
std::optional<ConvWeights> ReadClassifier(const model::Graph& graph, const model::Node& node,
                                          int64_t c) {
  const bool gemm = node.op_type == "Gemm";
  if (node.inputs.size() < 2 || node.outputs.size() != 1 || !IsF32Constant(graph, node.inputs[1])) {
    return std::nullopt;
  }
  if (gemm && node.attrs.GetInt("transA", 0) != 0) return std::nullopt;
  const Shape shape = *StaticShapeOf(graph, node.inputs[1]);
  const bool trans_b = gemm && node.attrs.GetInt("transB", 0) != 0;
  if (shape.size() != 2 || shape[trans_b ? 1 : 0] != c) return std::nullopt;
  ConvWeights out;
  out.k = shape[trans_b ? 0 : 1];
  const float alpha = gemm ? node.attrs.GetFloat("alpha", 1.0f) : 1.0f;
  const std::vector<float> w = *ConstantAsFloats(graph, node.inputs[1]);
  out.w.resize(w.size());
  for (int64_t k = 0; k < out.k; ++k) {
    for (int64_t i = 0; i < c; ++i) {
      out.w[k * c + i] = alpha * (trans_b ? w[k * c + i] : w[i * out.k + k]);
    }
  }
  if (!gemm || node.inputs.size() < 3 || node.inputs[2] < 0) return out;
  // Only a bias that is the same for every row can move into the Conv.
  const int32_t b = node.inputs[2];
  std::optional<Shape> b_shape = StaticShapeOf(graph, b);
  std::optional<std::vector<float>> bias = ConstantAsFloats(graph, b);
  if (!bias || !IsF32Constant(graph, b) || b_shape->size() > 2) return std::nullopt;
  if (b_shape->size() == 2 && (*b_shape)[0] != 1) return std::nullopt;
  if (bias->size() == 1) bias->assign(out.k, (*bias)[0]);
  if (bias->size() != static_cast<size_t>(out.k)) return std::nullopt;
  const float beta = node.attrs.GetFloat("beta", 1.0f);
  for (float& v : *bias) v *= beta;
  out.bias = std::move(*bias);
  out.has_bias = true;
  out.bias_name = graph.tensors[b].name;
  return out;
}

// A classifier without bias whose output only feeds Add(y, b), b a constant of K values ((K) or
// (1, K)): the Add becomes the Conv's bias (MatMul + Add is how many exporters write Gemm).
// Returns the Add's node index and fills cw's bias, else -1.
int32_t TakeFollowingBiasAdd(const model::Graph& graph, const GraphUses& uses, int32_t g,
                             ConvWeights& cw) {
  const int32_t y = graph.nodes[g].outputs[0];
  if (cw.has_bias || HasActivation(graph.nodes[g]) || uses.is_graph_output[y] ||
      uses.consumers[y].size() != 1) {
    return -1;
  }
  const int32_t a = uses.consumers[y][0];
  const model::Node& add = graph.nodes[a];
  if (add.op_type != "Add" || add.inputs.size() != 2 || add.outputs.size() != 1) return -1;
  const int32_t b = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
  if (b == y || !IsF32Constant(graph, b)) return -1;
  const Shape shape = *StaticShapeOf(graph, b);
  const bool fits = shape == Shape{cw.k} || shape == Shape{1, cw.k};
  if (!fits) return -1;
  cw.bias = *ConstantAsFloats(graph, b);
  cw.has_bias = true;
  cw.bias_name = graph.tensors[b].name;
  return a;
}

// Makes the Flatten at `flatten` write the output of the bias Add at `add` (which then goes away)
// and moves the Add's activation to the Conv at `conv`.
void DropBiasAdd(model::Graph& graph, int32_t conv, int32_t flatten, int32_t add) {
  CopyActivation(graph.nodes[add], graph.nodes[conv]);
  graph.nodes[flatten].outputs[0] = graph.nodes[add].outputs[0];
  RemoveNode(graph, add);
}

// A new f32 activation tensor (N, channels, 1, 1) with N copied from `like`'s batch dim.
int32_t AddPooledTensor(model::Graph& graph, std::string_view base, int32_t like,
                        int64_t channels) {
  model::TensorInfo t;
  t.name = UniqueTensorName(graph, base);
  t.dtype = DType::kF32;
  t.has_shape = true;
  t.dims = {graph.tensors[like].dims[0], model::Dim{channels, {}}, model::Dim{1, {}},
            model::Dim{1, {}}};
  return graph.AddTensor(std::move(t));
}

model::Node MakeConv(model::Graph& graph, const model::Node& classifier, const ConvWeights& cw,
                     int32_t pooled, int64_t c, int32_t out) {
  model::Node conv;
  conv.name = classifier.name;
  conv.op_type = "Conv";
  conv.attrs.SetInts("kernel_shape", {1, 1});
  CopyActivation(classifier, conv);
  const std::string w_name = graph.tensors[classifier.inputs[1]].name + "_conv";
  const int32_t w = AddF32Constant(graph, w_name, {cw.k, c, 1, 1}, cw.w);
  conv.inputs = {pooled, w};
  if (cw.has_bias) {
    conv.inputs.push_back(AddF32Constant(graph, cw.bias_name + "_conv", {cw.k}, cw.bias));
  }
  conv.outputs = {out};
  return conv;
}

model::Node MakeFlatten(std::string name, int32_t in, int32_t out) {
  model::Node flatten;
  flatten.name = std::move(name);
  flatten.op_type = "Flatten";
  flatten.attrs.SetInt("axis", 1);
  flatten.inputs = {in};
  flatten.outputs = {out};
  return flatten;
}

// pool (N, C, 1, 1) -> flatten node `f` -> classifier node `g`: f becomes the Conv, g the Flatten.
// The pool stays, so other readers of the pooled tensor (a Shape for the Reshape) still work.
bool LowerFlattened(model::Graph& graph, const GraphUses& uses, int32_t f, int32_t g) {
  if (graph.nodes[f].inputs.empty()) return false;
  const int32_t pooled = graph.nodes[f].inputs[0];
  const int32_t pool = uses.ProducerOf(pooled);
  if (pool < 0) return false;
  const int64_t c = PooledChannels(graph, graph.nodes[pool]);
  if (c <= 0) return false;
  const int32_t x = graph.nodes[pool].inputs[0];
  if (!IsFlattenToNC(graph, uses, graph.nodes[f], x, c)) return false;
  std::optional<ConvWeights> cw = ReadClassifier(graph, graph.nodes[g], c);
  if (!cw) return false;
  const int32_t add = TakeFollowingBiasAdd(graph, uses, g, *cw);
  const int32_t y = graph.nodes[g].outputs[0];
  const int32_t conv_out = AddPooledTensor(graph, graph.tensors[y].name + "_conv", x, cw->k);
  model::Node conv = MakeConv(graph, graph.nodes[g], *cw, pooled, c, conv_out);
  model::Node flatten = MakeFlatten(graph.nodes[f].name, conv_out, y);
  graph.nodes[f] = std::move(conv);
  graph.nodes[g] = std::move(flatten);
  if (add >= 0) DropBiasAdd(graph, f, g, add);
  return true;
}

// ReduceMean(keepdims=0) node `r` (N, C) -> classifier `g`: r becomes GlobalAveragePool,
// g the Conv, and a Flatten follows.
bool LowerReduced(model::Graph& graph, const GraphUses& uses, int32_t r, int32_t g) {
  const int32_t x = graph.nodes[r].inputs[0];
  const int64_t c = Channels(graph, x);
  std::optional<ConvWeights> cw = ReadClassifier(graph, graph.nodes[g], c);
  if (!cw) return false;
  const int32_t add = TakeFollowingBiasAdd(graph, uses, g, *cw);
  const int32_t y = graph.nodes[g].outputs[0];
  const int32_t pooled =
      AddPooledTensor(graph, graph.tensors[graph.nodes[r].outputs[0]].name + "_pool", x, c);
  const int32_t conv_out = AddPooledTensor(graph, graph.tensors[y].name + "_conv", x, cw->k);
  model::Node& pool = graph.nodes[r];
  pool.op_type = "GlobalAveragePool";
  pool.attrs = model::Attributes();
  pool.inputs = {x};
  pool.outputs = {pooled};
  model::Node conv = MakeConv(graph, graph.nodes[g], *cw, pooled, c, conv_out);
  model::Node flatten = MakeFlatten(graph.nodes[g].name + "_flatten", conv_out, y);
  graph.nodes[g] = std::move(conv);
  graph.nodes.insert(graph.nodes.begin() + g + 1, std::move(flatten));
  if (add >= 0) DropBiasAdd(graph, g, g + 1, add + 1);  // the insert moved the Add by one
  return true;
}

// Lowers one classifier; returns whether the graph changed.
bool LowerOne(model::Graph& graph) {
  const GraphUses uses = GraphUses::Build(graph);
  for (size_t g = 0; g < graph.nodes.size(); ++g) {
    const model::Node& node = graph.nodes[g];
    if ((node.op_type != "Gemm" && node.op_type != "MatMul") || node.inputs.size() < 2) continue;
    const int32_t a = node.inputs[0];
    const int32_t p = uses.ProducerOf(a);
    if (p < 0 || !uses.OnlyFeeds(a, static_cast<int32_t>(g))) continue;
    const int32_t gi = static_cast<int32_t>(g);
    const bool reduced =
        IsSpatialReduceMean(graph, graph.nodes[p], 0) && !HasActivation(graph.nodes[p]);
    if (reduced ? LowerReduced(graph, uses, p, gi) : LowerFlattened(graph, uses, p, gi)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status LowerClassifierToConv(model::Graph& graph) {
  while (LowerOne(graph)) {
  }
  return Status::Ok();
}

}  // namespace mota::converter
