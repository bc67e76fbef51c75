#include "exec/plan.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "exec/activation.h"

namespace mota::exec {
namespace {

using Storage = TensorPlan::Storage;

Status CheckInputShape(const model::TensorInfo& info, const Shape& shape) {
  if (info.dims.size() != shape.size()) {
    return InvalidArgument("input '", info.name, "' has rank ", shape.size(), " (shape ",
                           ShapeToString(shape), ") but the model expects rank ", info.dims.size());
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      return InvalidArgument("input '", info.name, "' dim ", i, " is ", shape[i], ": must be >= 0");
    }
    if (info.dims[i].is_static() && info.dims[i].value != shape[i]) {
      return InvalidArgument("input '", info.name, "' has shape ", ShapeToString(shape),
                             " but the model fixes dim ", i, " to ", info.dims[i].value);
    }
  }
  return Status::Ok();
}

Status CheckNodeArity(const model::Node& node, const OpDef& def) {
  const int in = static_cast<int>(node.inputs.size());
  const int out = static_cast<int>(node.outputs.size());
  if (in < def.min_inputs || in > def.max_inputs || out < def.min_outputs || out > def.max_outputs) {
    return InvalidArgument(node.op_type, " node '", node.name, "' has ", in, " inputs and ", out,
                           " outputs; expected ", def.min_inputs, "..", def.max_inputs, " inputs and ",
                           def.min_outputs, "..", def.max_outputs, " outputs");
  }
  return Status::Ok();
}

}  // namespace

size_t AssignArenaOffsets(std::vector<TensorPlan>& tensors, const std::vector<int32_t>& first,
                          const std::vector<int32_t>& last) {
  std::vector<int32_t> order;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (tensors[t].storage == Storage::kArena) order.push_back(static_cast<int32_t>(t));
  }
  auto bytes = [&](int32_t t) {
    return (static_cast<size_t>(NumElements(tensors[t].shape)) * DTypeSize(tensors[t].dtype) + 63) / 64 * 64;
  };
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return bytes(a) > bytes(b); });
  std::vector<int32_t> placed;
  size_t arena = 0;
  for (int32_t t : order) {
    const size_t size = bytes(t);
    std::vector<std::pair<size_t, size_t>> busy;
    for (int32_t p : placed) {
      if (first[p] <= last[t] && first[t] <= last[p]) busy.emplace_back(tensors[p].offset, tensors[p].offset + bytes(p));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    tensors[t].offset = offset;
    arena = std::max(arena, offset + size);
    placed.push_back(t);
  }
  return arena;
}

Result<std::vector<const OpDef*>> ResolveOps(const model::Graph& graph) {
  std::vector<const OpDef*> ops(graph.nodes.size(), nullptr);
  std::set<std::string> unknown;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    ops[n] = FindOp(graph.nodes[n].op_type);
    if (ops[n] == nullptr) unknown.insert(graph.nodes[n].op_type);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& op : unknown) list += (list.empty() ? "" : ", ") + op;
    return Status(StatusCode::kIncompatible,
                  StrCat("the model uses ops this runtime does not implement: ", list,
                         "; use a newer runtime or a variant without them"));
  }
  return ops;
}

Status EvaluateNode(const OpDef& def, const model::Node& node, std::span<const TensorView> inputs,
                    std::span<const TensorView> outputs, ThreadPool* pool) {
  KernelContext ctx{node, inputs, outputs, pool};
  MOTA_RETURN_IF_ERROR(def.compute(ctx));
  if (node.attrs.Has(kActivationAttr) && !outputs.empty() && outputs[0].dtype == DType::kF32) {
    MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
    ApplyActivation(act, outputs[0].as<float>(), outputs[0].numel());
  }
  return Status::Ok();
}

Status CheckRunBindings(const model::Graph& graph, const ExecutionPlan& plan,
                        std::span<const TensorView> inputs, std::span<const TensorView> outputs) {
  if (inputs.size() != graph.inputs.size() || outputs.size() != graph.outputs.size()) {
    return InvalidArgument("run got ", inputs.size(), " inputs and ", outputs.size(),
                           " outputs; the model has ", graph.inputs.size(), " and ", graph.outputs.size());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const model::TensorInfo& info = graph.tensors[graph.inputs[i]];
    if (inputs[i].dtype != info.dtype || inputs[i].shape != plan.input_shapes[i] ||
        (inputs[i].data == nullptr && inputs[i].numel() > 0)) {
      return InvalidArgument("input '", info.name, "' is ", DTypeName(inputs[i].dtype),
                             ShapeToString(inputs[i].shape), inputs[i].data ? "" : " without data",
                             " but was prepared as ", DTypeName(info.dtype),
                             ShapeToString(plan.input_shapes[i]));
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].dtype != plan.output_dtypes[i] || outputs[i].shape != plan.output_shapes[i] ||
        (outputs[i].data == nullptr && outputs[i].numel() > 0)) {
      return InvalidArgument("output ", i, " buffer is ", DTypeName(outputs[i].dtype),
                             ShapeToString(outputs[i].shape), "; expected ",
                             DTypeName(plan.output_dtypes[i]), ShapeToString(plan.output_shapes[i]));
    }
  }
  return Status::Ok();
}

TensorView ExecutionPlan::View(int32_t t, uint8_t* arena, std::span<const TensorView> inputs,
                               std::span<const TensorView> outputs) const {
  const TensorPlan& p = tensors[t];
  TensorView v{p.dtype, p.shape, nullptr};
  switch (p.storage) {
    case Storage::kUnused: break;
    case Storage::kConstant: v.data = const_cast<void*>(p.data); break;
    case Storage::kInput:
      if (static_cast<size_t>(p.graph_input) < inputs.size()) v.data = inputs[p.graph_input].data;
      break;
    case Storage::kOutput:
      if (static_cast<size_t>(p.graph_output) < outputs.size()) v.data = outputs[p.graph_output].data;
      break;
    case Storage::kArena:
      if (arena != nullptr) v.data = arena + p.offset;
      break;
    case Storage::kValue: v.data = const_cast<uint8_t*>(values[p.value_index].data()); break;
  }
  return v;
}

Result<ExecutionPlan> PlanExecution(const model::Graph& graph, std::span<const Shape> input_shapes,
                                    const PlanOptions& options) {
  if (input_shapes.size() != graph.inputs.size()) {
    return InvalidArgument("got ", input_shapes.size(), " input shapes but the model has ",
                           graph.inputs.size(), " inputs");
  }
  ExecutionPlan plan;
  MOTA_ASSIGN_OR_RETURN(plan.ops, ResolveOps(graph));
  plan.tensors.resize(graph.tensors.size());
  plan.input_shapes.assign(input_shapes.begin(), input_shapes.end());
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const model::TensorInfo& info = graph.tensors[t];
    if (!info.is_constant) continue;
    TensorPlan& p = plan.tensors[t];
    p.storage = Storage::kConstant;
    p.dtype = info.dtype;
    p.shape = info.StaticShape();
    p.data = info.constant.data;
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const int32_t t = graph.inputs[i];
    MOTA_RETURN_IF_ERROR(CheckInputShape(graph.tensors[t], input_shapes[i]));
    TensorPlan& p = plan.tensors[t];
    p.storage = Storage::kInput;
    p.dtype = graph.tensors[t].dtype;
    p.shape = input_shapes[i];
    p.graph_input = static_cast<int32_t>(i);
  }
  std::vector<uint8_t> known(graph.tensors.size(), 0);
  for (size_t t = 0; t < graph.tensors.size(); ++t) known[t] = graph.tensors[t].is_constant;
  for (size_t i = 0; i < options.known_inputs.size() && i < graph.inputs.size(); ++i) {
    const TensorView& v = options.known_inputs[i];
    const int32_t t = graph.inputs[i];
    if (v.data == nullptr || v.dtype != plan.tensors[t].dtype || v.shape != plan.tensors[t].shape) continue;
    HostTensor copy = HostTensor::Allocate(v.dtype, v.shape);
    if (copy.dtype() == DType::kUndefined && v.numel() != 0) return OutOfMemory("cannot copy a known input");
    std::memcpy(copy.data(), v.data, v.nbytes());
    plan.tensors[t].storage = Storage::kValue;
    plan.tensors[t].value_index = static_cast<int32_t>(plan.values.size());
    plan.values.push_back(std::move(copy));
    known[t] = 1;
  }

  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const model::Node& node = graph.nodes[n];
    const OpDef& def = *plan.ops[n];
    MOTA_RETURN_IF_ERROR(CheckNodeArity(node, def));
    std::vector<TensorView> inputs(node.inputs.size());
    bool all_known = true;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int32_t t = node.inputs[i];
      if (t < 0) continue;
      inputs[i] = plan.View(t, nullptr, {}, {});
      if (!known[t]) {
        inputs[i].data = nullptr;
        all_known = false;
      }
    }
    InferContext ictx{node, inputs, std::vector<TensorView>(node.outputs.size())};
    MOTA_RETURN_IF_ERROR(def.infer(ictx));
    size_t out_bytes = 0;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const TensorView& out = ictx.outputs[o];
      if (out.dtype == DType::kUndefined || NumElements(out.shape) < 0) {
        return Internal(node.op_type, " node '", node.name, "' inferred no valid type for output ", o);
      }
      TensorPlan& p = plan.tensors[node.outputs[o]];
      p.dtype = out.dtype;
      p.shape = out.shape;
      out_bytes += out.nbytes();
    }
    const bool fold = (all_known || def.shape_only) && out_bytes <= options.max_fold_bytes;
    if (!fold) {
      plan.run_nodes.push_back(static_cast<int32_t>(n));
      for (int32_t t : node.outputs) plan.tensors[t].storage = Storage::kArena;
      continue;
    }
    std::vector<TensorView> outputs;
    for (int32_t t : node.outputs) {
      TensorPlan& p = plan.tensors[t];
      HostTensor value = HostTensor::Allocate(p.dtype, p.shape);
      if (value.dtype() == DType::kUndefined && NumElements(p.shape) != 0) {
        return OutOfMemory("cannot allocate ", out_bytes, " bytes for node '", node.name, "'");
      }
      p.storage = Storage::kValue;
      p.value_index = static_cast<int32_t>(plan.values.size());
      plan.values.push_back(std::move(value));
      known[t] = 1;
      outputs.push_back(plan.View(t, nullptr, {}, {}));
    }
    MOTA_RETURN_IF_ERROR(EvaluateNode(def, node, inputs, outputs, nullptr));
  }

  // Graph outputs produced at run time are written straight into the caller's buffers.
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    TensorPlan& p = plan.tensors[graph.outputs[i]];
    plan.output_shapes.push_back(p.shape);
    plan.output_dtypes.push_back(p.dtype);
    if (p.storage == Storage::kArena && p.graph_output < 0) {
      p.storage = Storage::kOutput;
      p.graph_output = static_cast<int32_t>(i);
    }
  }
  // Lifetimes over run_nodes positions.
  std::vector<int32_t> first(graph.tensors.size(), -1), last(graph.tensors.size(), -1);
  for (size_t pos = 0; pos < plan.run_nodes.size(); ++pos) {
    const model::Node& node = graph.nodes[plan.run_nodes[pos]];
    for (int32_t t : node.outputs) first[t] = last[t] = static_cast<int32_t>(pos);
    for (int32_t t : node.inputs) {
      if (t >= 0) last[t] = static_cast<int32_t>(pos);
    }
  }
  plan.arena_size = AssignArenaOffsets(plan.tensors, first, last);
  return plan;
}

}  // namespace mota::exec
