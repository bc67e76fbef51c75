#include "exec/xnnpack/step_plan.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>

#include "exec/xnnpack/xnn_ops.h"

namespace mota::exec::xnn {
namespace {

using Storage = TensorPlan::Storage;

bool IsStatic(const ExecutionPlan& plan, int32_t t) {
  const Storage s = plan.tensors[t].storage;
  return s == Storage::kConstant || s == Storage::kValue;
}

bool AllInputsSameShape(const ExecutionPlan& plan, const model::Node& node) {
  for (int32_t t : node.inputs) {
    if (t < 0 || plan.tensors[t].shape != plan.tensors[node.inputs[0]].shape) return false;
  }
  return true;
}

// Logical ops whose result does not depend on the memory order of a 4-D tensor (elementwise on
// equal shapes), plus Concat of 4-D tensors (its axis is remapped).
bool LayoutAgnostic(const ExecutionPlan& plan, const model::Node& node) {
  static const std::set<std::string_view> kUnary = {
      "Relu",  "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Exp",
      "Log",   "Erf",     "Abs",  "Neg",       "Sqrt",        "Softplus",  "Identity",
      "Elu",   "Celu",    "Selu", "Softsign",  "Reciprocal",  "Floor",     "Ceil",
      "Round", "Sign",    "Sin",  "Cos"};
  static const std::set<std::string_view> kBinary = {"Add", "Sub", "Mul", "Div", "Pow",
                                                     "Max", "Min", "Sum", "Mean"};
  // Transpose steps move f32 only.
  if (node.outputs.size() != 1 || plan.tensors[node.outputs[0]].dtype != DType::kF32) return false;
  for (int32_t t : node.inputs) {
    if (t >= 0 && plan.tensors[t].dtype != DType::kF32) return false;
  }
  const Shape& out = plan.tensors[node.outputs[0]].shape;
  if (node.op_type == "Concat") {
    for (int32_t t : node.inputs) {
      if (t < 0 || plan.tensors[t].shape.size() != 4) return false;
    }
    return out.size() == 4;
  }
  if (kUnary.count(node.op_type) != 0) return node.inputs.size() == 1;
  if (kBinary.count(node.op_type) != 0)
    return AllInputsSameShape(plan, node) && plan.tensors[node.inputs[0]].shape == out;
  return false;
}

class Builder {
 public:
  Builder(const model::Graph& graph, const ExecutionPlan& plan, const StepPlanOptions& options)
      : graph_(graph), plan_(plan), options_(options) {}

  Result<StepPlan> Build() {
    Init();
    for (int32_t n : plan_.run_nodes) {
      if (fused_.count(n) != 0) continue;
      MOTA_ASSIGN_OR_RETURN(const bool fused, TryQdqChain(n));
      if (!fused) MOTA_RETURN_IF_ERROR(AddNode(n));
    }
    ClosePartition();
    for (size_t i = 0; i < graph_.outputs.size(); ++i) BindGraphOutput(static_cast<int32_t>(i));
    AssignOffsets();
    return std::move(out_);
  }

 private:
  void Init() {
    where_.assign(graph_.tensors.size(), {-1, -1});
    consumers_.assign(graph_.tensors.size(), {});
    in_partition_.assign(graph_.nodes.size(), 0);
    for (int32_t n : plan_.run_nodes) {
      for (int32_t t : graph_.nodes[n].inputs) {
        if (t >= 0) consumers_[t].push_back(n);
      }
    }
    is_graph_output_.assign(graph_.tensors.size(), 0);
    for (int32_t t : graph_.outputs) is_graph_output_[t] = 1;
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
      const TensorPlan& p = plan_.tensors[t];
      if (IsStatic(plan_, static_cast<int32_t>(t))) {
        Buffer b{Buffer::Kind::kStatic, p.dtype, NumElements(p.shape)};
        b.data = plan_.View(static_cast<int32_t>(t), nullptr, {}, {}).data;
        where_[t][0] = NewBuffer(b);
      } else if (p.storage == Storage::kInput) {
        Buffer b{Buffer::Kind::kInput, p.dtype, NumElements(p.shape)};
        b.index = p.graph_input;
        where_[t][0] = NewBuffer(b);
      }
    }
  }

  int32_t NewBuffer(const Buffer& b) {
    out_.buffers.push_back(b);
    return static_cast<int32_t>(out_.buffers.size() - 1);
  }

  int32_t NewArena(int32_t t) {
    const TensorPlan& p = plan_.tensors[t];
    return NewBuffer(Buffer{Buffer::Kind::kArena, p.dtype, NumElements(p.shape)});
  }

  Ref MakeRef(int32_t t, Layout layout, int32_t buffer) const {
    const TensorPlan& p = plan_.tensors[t];
    return Ref{buffer, p.dtype, layout == Layout::kNhwc ? ToNhwcShape(p.shape) : p.shape};
  }

  bool Sensitive(int32_t t) const { return IsLayoutSensitive(plan_.tensors[t].shape); }

  // The buffer holding t in `layout` (either layout when the bytes agree), or -1.
  int32_t Existing(int32_t t, Layout layout) const {
    const int32_t b = where_[t][static_cast<int>(layout)];
    if (b >= 0 || Sensitive(t)) return b;
    return where_[t][1 - static_cast<int>(layout)];
  }

  // t in `layout`, converted (into the arena) when needed. `arena`: the reader needs an arena
  // buffer (XNNPACK, NHWC kernels).
  Ref Get(int32_t t, Layout layout, bool arena) {
    const int32_t have = Existing(t, layout);
    if (have >= 0 && (!arena || out_.buffers[have].kind == Buffer::Kind::kArena))
      return MakeRef(t, layout, have);
    Layout from = layout;
    int32_t src = have;
    if (src < 0) {
      from = layout == Layout::kNhwc ? Layout::kNchw : Layout::kNhwc;
      src = where_[t][static_cast<int>(from)];
    }
    const int32_t dst = NewArena(t);
    EmitConvert(t, from, src, layout, dst);
    where_[t][static_cast<int>(layout)] = dst;
    return MakeRef(t, layout, dst);
  }

  void EmitConvert(int32_t t, Layout from, int32_t src, Layout to, int32_t dst) {
    Step s;
    s.kind = Step::Kind::kCopy;
    if (from != to && Sensitive(t)) {
      s.kind = to == Layout::kNhwc ? Step::Kind::kToNhwc : Step::Kind::kToNchw;
      ++out_.transposes;
    }
    s.inputs.push_back(MakeRef(t, from, src));
    s.outputs.push_back(MakeRef(t, to, dst));
    out_.steps.push_back(std::move(s));
  }

  // A buffer for output t written in `layout`: the caller's output buffer when allowed and the
  // layout matches what the caller expects (NCHW), an arena buffer otherwise.
  Ref NewOutput(int32_t t, Layout layout, bool caller_ok) {
    const TensorPlan& p = plan_.tensors[t];
    int32_t b;
    if (caller_ok && p.storage == Storage::kOutput && (layout == Layout::kNchw || !Sensitive(t))) {
      b = NewBuffer(
          Buffer{Buffer::Kind::kOutput, p.dtype, NumElements(p.shape), 0, nullptr, p.graph_output});
    } else {
      b = NewArena(t);
    }
    where_[t][static_cast<int>(layout)] = b;
    return MakeRef(t, layout, b);
  }

  Result<std::unique_ptr<NhwcKernel>> TryNhwcKernel(int32_t n) {
    const model::Node& node = graph_.nodes[n];
    if (!options_.nhwc_kernels || node.outputs.size() != 1) return std::unique_ptr<NhwcKernel>();
    std::vector<TensorView> inputs;
    for (int32_t t : node.inputs)
      inputs.push_back(t < 0 ? TensorView{} : plan_.View(t, nullptr, {}, {}));
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (node.inputs[i] >= 0 && !IsStatic(plan_, node.inputs[i])) inputs[i].data = nullptr;
    }
    const TensorView output{plan_.tensors[node.outputs[0]].dtype,
                            plan_.tensors[node.outputs[0]].shape, nullptr};
    for (const NhwcKernelFactory* f : NhwcKernelFactories()) {
      MOTA_ASSIGN_OR_RETURN(std::unique_ptr<NhwcKernel> k, f->create(node, inputs, output));
      if (k != nullptr) return k;
    }
    return std::unique_ptr<NhwcKernel>();
  }

  Status AddNode(int32_t n) {
    MOTA_ASSIGN_OR_RETURN(std::unique_ptr<NhwcKernel> kernel, TryNhwcKernel(n));
    if (kernel != nullptr) {
      ClosePartition();
      AddNhwc(n, std::move(kernel));
    } else if (XnnSupports(graph_, plan_, n) && !BetterOnNchw(n)) {
      AddXnn(n);
    } else {
      ClosePartition();
      MOTA_RETURN_IF_ERROR(AddLogical(n));
    }
    return Status::Ok();
  }

  // An elementwise node whose layout-sensitive input was computed in NCHW by a logical kernel
  // (attention scores in a transformer, say) stays on NCHW: XNNPACK would cost a transpose there
  // and usually one back. Graph inputs do not count: XNNPACK needs them copied anyway.
  bool BetterOnNchw(int32_t n) const {
    static const std::set<std::string_view> kElementwise = {
        "Add",     "Sub",       "Mul", "Div", "Max", "Min",   "Clip", "Relu", "LeakyRelu",
        "Sigmoid", "HardSwish", "Elu", "Abs", "Neg", "Floor", "Ceil", "Sqrt", "Round"};
    const model::Node& node = graph_.nodes[n];
    if (kElementwise.count(node.op_type) == 0) return false;
    bool nchw_only = false;
    for (int32_t t : node.inputs) {
      if (t < 0 || IsStatic(plan_, t) || !Sensitive(t) || produced_.count(t) != 0) continue;
      if (where_[t][1] >= 0) return false;
      const int32_t b = where_[t][0];
      nchw_only = nchw_only || (b >= 0 && out_.buffers[b].kind != Buffer::Kind::kInput);
    }
    return nchw_only;
  }

  void AddNhwc(int32_t n, std::unique_ptr<NhwcKernel> kernel) {
    const model::Node& node = graph_.nodes[n];
    Step s;
    s.kind = Step::Kind::kNhwc;
    s.node = n;
    s.kernel = std::move(kernel);
    for (int32_t t : node.inputs) {
      if (t >= 0 && !IsStatic(plan_, t)) s.inputs.push_back(Get(t, Layout::kNhwc, true));
    }
    s.outputs.push_back(NewOutput(node.outputs[0], Layout::kNhwc, false));
    out_.steps.push_back(std::move(s));
    ++out_.nhwc_nodes;
  }

  void AddXnn(int32_t n) {
    if (!open_) {
      open_ = true;
      partition_ = Step();
      partition_.kind = Step::Kind::kXnn;
    }
    const model::Node& node = graph_.nodes[n];
    for (int32_t t : node.inputs) {
      if (t < 0 || IsStatic(plan_, t) || produced_.count(t) != 0) continue;
      if (std::find(partition_.input_tensors.begin(), partition_.input_tensors.end(), t) !=
          partition_.input_tensors.end()) {
        continue;
      }
      partition_.inputs.push_back(Get(t, Layout::kNhwc, true));
      partition_.input_tensors.push_back(t);
    }
    for (int32_t t : node.outputs) produced_.insert(t);
    partition_.nodes.push_back(n);
    in_partition_[n] = 1;
    ++out_.xnn_nodes;
  }

  void ClosePartition() {
    if (!open_) return;
    open_ = false;
    for (int32_t n : partition_.nodes) {
      for (int32_t t : graph_.nodes[n].outputs) {
        // A value nobody reads still needs memory: XNNPACK gives none to an unread internal value
        // and asserts at setup (a dead node in a valid model must not abort the process).
        bool external = is_graph_output_[t] != 0 || consumers_[t].empty();
        for (int32_t c : consumers_[t]) external = external || in_partition_[c] == 0;
        if (!external) continue;
        partition_.outputs.push_back(NewOutput(t, Layout::kNhwc, false));
        partition_.output_tensors.push_back(t);
      }
    }
    for (int32_t n : partition_.nodes) in_partition_[n] = 0;
    produced_.clear();
    out_.steps.push_back(std::move(partition_));
    ++out_.partitions;
  }

  // The consumer of t when t is an intermediate value read by exactly one node, else -1.
  int32_t OnlyConsumer(int32_t t) const {
    if (t < 0 || is_graph_output_[t] != 0 || consumers_[t].size() != 1) return -1;
    return consumers_[t][0];
  }

  // DequantizeLinear n -> one-input activation -> QuantizeLinear, with constant parameters and
  // no other reader of the two f32 values: offered to the prepared kernels as one synthetic
  // "mota.QdqUnary" node (exec/cpu/int8_ew/qdq_lut.cc: a 256-entry table). True when taken.
  Result<bool> TryQdqChain(int32_t n) {
    const model::Node& dq = graph_.nodes[n];
    if (!options_.fast_kernels || dq.op_type != "DequantizeLinear" || dq.inputs.size() < 2 ||
        dq.outputs.size() != 1)
      return false;
    const int32_t a = OnlyConsumer(dq.outputs[0]);
    if (a < 0 || graph_.nodes[a].inputs.size() != 1 || graph_.nodes[a].outputs.size() != 1)
      return false;
    const model::Node& act = graph_.nodes[a];
    const int32_t q = OnlyConsumer(act.outputs[0]);
    if (q < 0 || graph_.nodes[q].op_type != "QuantizeLinear" || graph_.nodes[q].inputs.size() != 3 ||
        graph_.nodes[q].inputs[0] != act.outputs[0] || graph_.nodes[q].outputs.size() != 1)
      return false;
    const model::Node& qn = graph_.nodes[q];
    // Transpose steps move f32 only: x must already be there in NCHW (or layout-free).
    if (Existing(dq.inputs[0], Layout::kNchw) < 0) return false;
    auto node = std::make_shared<model::Node>();
    node->name = qn.name;
    node->op_type = "mota.QdqUnary";
    node->inputs = {dq.inputs[0], dq.inputs[1], dq.inputs.size() > 2 ? dq.inputs[2] : -1,
                    qn.inputs[1], qn.inputs[2]};
    for (size_t i = 1; i < node->inputs.size(); ++i) {
      if (node->inputs[i] >= 0 && !IsStatic(plan_, node->inputs[i])) return false;
    }
    node->outputs = qn.outputs;
    node->attrs = act.attrs;
    node->attrs.SetString("mota_qdq_activation", act.op_type);
    Step s;
    s.kind = Step::Kind::kLogical;
    s.node = q;
    MOTA_ASSIGN_OR_RETURN(s.prepared, TryPreparedKernel(*node));
    if (!s.prepared) return false;
    ClosePartition();
    s.compute = plan_.ops[q]->compute;
    s.remapped = std::move(node);
    s.inputs.push_back(Get(dq.inputs[0], Layout::kNchw, false));
    s.outputs.push_back(NewOutput(qn.outputs[0], Layout::kNchw, true));
    ++out_.prepared_nodes;
    out_.steps.push_back(std::move(s));
    fused_.insert(a);
    fused_.insert(q);
    return true;
  }

  // A prepared kernel (exec/cpu/kernels.h) for node n on NCHW data, or nullptr.
  Result<std::unique_ptr<PreparedKernel>> TryPreparedKernel(int32_t n) {
    return TryPreparedKernel(graph_.nodes[n]);
  }
  Result<std::unique_ptr<PreparedKernel>> TryPreparedKernel(const model::Node& node) {
    if (!options_.fast_kernels) return std::unique_ptr<PreparedKernel>();
    std::vector<TensorView> inputs, outputs;
    for (int32_t t : node.inputs) {
      inputs.push_back(t < 0 ? TensorView{} : plan_.View(t, nullptr, {}, {}));
      if (t >= 0 && !IsStatic(plan_, t)) inputs.back().data = nullptr;
    }
    for (int32_t t : node.outputs)
      outputs.push_back(TensorView{plan_.tensors[t].dtype, plan_.tensors[t].shape, nullptr});
    for (const PreparedKernelFactory* f : PreparedKernelFactories()) {
      MOTA_ASSIGN_OR_RETURN(std::unique_ptr<PreparedKernel> k, f->create(node, inputs, outputs));
      if (k != nullptr) return k;
    }
    return std::unique_ptr<PreparedKernel>();
  }

  Status AddLogical(int32_t n) {
    const model::Node& node = graph_.nodes[n];
    Layout layout = Layout::kNchw;
    if (LayoutAgnostic(plan_, node)) {
      for (int32_t t : node.inputs) {
        if (t >= 0 && Sensitive(t) && where_[t][0] < 0 && where_[t][1] >= 0) layout = Layout::kNhwc;
      }
    }
    Step s;
    s.kind = Step::Kind::kLogical;
    s.node = n;
    if (layout == Layout::kNchw) {
      MOTA_ASSIGN_OR_RETURN(s.prepared, TryPreparedKernel(n));
    }
    s.compute = options_.fast_kernels ? FindFastKernel(node.op_type) : nullptr;
    s.fast = s.compute != nullptr;
    if (!s.fast) s.compute = plan_.ops[n]->compute;
    if (layout == Layout::kNhwc && node.op_type == "Concat") {
      static constexpr int64_t kToNhwcAxis[4] = {0, 3, 1, 2};
      int64_t axis = node.attrs.GetInt("axis", 0);
      if (axis < 0) axis += 4;
      s.remapped = std::make_shared<model::Node>(node);
      s.remapped->attrs.SetInt("axis", kToNhwcAxis[axis]);
    }
    for (int32_t t : node.inputs) s.inputs.push_back(t < 0 ? Ref{} : Get(t, layout, false));
    for (int32_t t : node.outputs) s.outputs.push_back(NewOutput(t, layout, true));
    ++(s.prepared ? out_.prepared_nodes : s.fast ? out_.fast_nodes : out_.logical_nodes);
    out_.steps.push_back(std::move(s));
    return Status::Ok();
  }

  // The caller's output buffer i receives graph output i unless a step already wrote it there.
  void BindGraphOutput(int32_t i) {
    const int32_t t = graph_.outputs[i];
    for (int32_t b : where_[t]) {
      if (b >= 0 && out_.buffers[b].kind == Buffer::Kind::kOutput && out_.buffers[b].index == i)
        return;
    }
    const TensorPlan& p = plan_.tensors[t];
    const int32_t dst =
        NewBuffer(Buffer{Buffer::Kind::kOutput, p.dtype, NumElements(p.shape), 0, nullptr, i});
    Layout from = Layout::kNchw;
    int32_t src = where_[t][0];
    if (src < 0) {
      from = Layout::kNhwc;
      src = where_[t][1];
    }
    if (src >= 0) EmitConvert(t, from, src, Layout::kNchw, dst);
  }

  void AssignOffsets() {
    const size_t count = out_.buffers.size();
    std::vector<int32_t> first(count, -1), last(count, -1);
    for (size_t s = 0; s < out_.steps.size(); ++s) {
      const auto pos = static_cast<int32_t>(s);
      for (const Ref& r : out_.steps[s].inputs) {
        if (r.buffer >= 0) last[r.buffer] = std::max(last[r.buffer], pos);
      }
      for (const Ref& r : out_.steps[s].outputs) {
        if (first[r.buffer] < 0) first[r.buffer] = pos;
        last[r.buffer] = std::max(last[r.buffer], pos);
      }
    }
    std::vector<TensorPlan> slots(count);
    for (size_t b = 0; b < count; ++b) {
      const Buffer& buf = out_.buffers[b];
      if (buf.kind != Buffer::Kind::kArena || first[b] < 0) continue;
      slots[b].storage = Storage::kArena;
      slots[b].dtype = buf.dtype;
      slots[b].shape = {buf.numel};
    }
    out_.arena_size = AssignArenaOffsets(slots, first, last);
    for (size_t b = 0; b < count; ++b) out_.buffers[b].offset = slots[b].offset;
  }

  const model::Graph& graph_;
  const ExecutionPlan& plan_;
  const StepPlanOptions options_;
  StepPlan out_;
  std::vector<std::array<int32_t, 2>> where_;  // per tensor: buffer in NCHW, NHWC
  std::vector<std::vector<int32_t>> consumers_;
  std::vector<uint8_t> is_graph_output_;
  std::vector<uint8_t> in_partition_;
  bool open_ = false;
  Step partition_;
  std::set<int32_t> produced_;
  std::set<int32_t> fused_;  // nodes run inside an earlier fused step (TryQdqChain)
};

}  // namespace

Result<StepPlan> BuildStepPlan(const model::Graph& graph, const ExecutionPlan& plan,
                               const StepPlanOptions& options) {
  return Builder(graph, plan, options).Build();
}

}  // namespace mota::exec::xnn
