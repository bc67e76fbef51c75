// Every operator mota knows, each defined in one file under exec/reference/ops/ and registered
// with MOTA_REGISTER_OP. An OpDef gives:
//   - infer: shape and dtype inference (backend independent). Inputs come as TensorViews whose
//     `data` is set when the value is known at prepare time (constants, shape arithmetic), null
//     otherwise. Ops whose output shape depends on an input's value (Reshape, Slice, Resize, ...)
//     must fail with a clear message when that value is not known.
//   - compute: the reference kernel (portable C++, the oracle every fast backend is checked
//     against). Outputs arrive allocated with the inferred shapes.
// Both are thread-safe: they keep no state outside their arguments.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

struct InferContext {
  const model::Node& node;
  std::span<const TensorView> inputs;  // omitted optional inputs have dtype kUndefined
  std::vector<TensorView> outputs;     // fill dtype and shape of each (data stays null)

  const model::Attributes& attrs() const { return node.attrs; }
  size_t num_inputs() const { return inputs.size(); }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i].present(); }
  // The integer values of input i; an error naming the node when they are not known.
  Result<std::vector<int64_t>> IntInputValues(size_t i) const;
  // An INVALID_ARGUMENT status that names the node and op.
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
  }
};

struct KernelContext {
  const model::Node& node;
  std::span<const TensorView> inputs;
  std::span<const TensorView> outputs;
  ThreadPool* pool = nullptr;  // may be null: run serially

  const model::Attributes& attrs() const { return node.attrs; }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i].present(); }
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
  }
};

using InferFn = Status (*)(InferContext&);
using ComputeFn = Status (*)(KernelContext&);

struct OpDef {
  const char* name;
  int min_inputs;
  int max_inputs;
  int min_outputs;
  int max_outputs;
  InferFn infer;
  ComputeFn compute;
  // True when compute reads only input shapes, never input data (Shape, Size): such nodes are
  // evaluated at prepare time once shapes are known.
  bool shape_only = false;
};

const OpDef* FindOp(std::string_view name);
// Sorted by name.
std::vector<const OpDef*> AllOps();

struct OpRegistrar {
  explicit OpRegistrar(const OpDef& def);
};

}  // namespace mota::exec

// In an op file: MOTA_REGISTER_OP(Relu, {"Relu", 1, 1, 1, 1, InferRelu, ComputeRelu});
#define MOTA_REGISTER_OP(id, ...) \
  static const ::mota::exec::OpRegistrar mota_op_registrar_##id(::mota::exec::OpDef __VA_ARGS__)
