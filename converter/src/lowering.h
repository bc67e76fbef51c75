// ONNX node lowerings: each ONNX op has one file in converter/src/ops/ that turns a node (at the
// model's opset) into the runtime form of manifests/spec/operators.md and registers itself:
//
//   // ops/relu.cc
//   MOTA_REGISTER_LOWERING(Relu, "Relu", LowerPassthrough);
//
//   // ops/clip.cc: Clip < 11 keeps min/max as attributes; the runtime takes them as inputs.
//   Status LowerClip(LoweringContext& ctx) {
//     if (ctx.opset() >= 11) return LowerPassthrough(ctx);
//     ...
//     return ctx.Emit("Clip", {}, {ctx.input(0), min, max}, 1);
//   }
//   MOTA_REGISTER_LOWERING(Clip, "Clip", LowerClip);
//
// A lowering reads the ONNX node through LoweringContext and emits runtime nodes (or defines its
// outputs as constants). When mota cannot run the node it returns ctx.Unsupported("reason"): the
// importer carries on and reports every unsupported node in one message. Any other error
// (a malformed node) stops the conversion.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "converter/src/import_state.h"
#include "converter/src/tensor_proto.h"
#include "model/graph.h"

namespace mota::converter {

class LoweringContext {
 public:
  // `name` is the node's name (generated when ONNX left it empty); `opset` is the model's
  // default-domain opset, which picks the ONNX form of the node.
  LoweringContext(ImportState& state, const onnx::NodeProto& node, std::string name, int opset);

  const onnx::NodeProto& proto() const { return node_; }
  const std::string& op_type() const { return node_.op_type(); }
  const std::string& name() const { return name_; }
  int opset() const { return opset_; }

  // ---- inputs (ONNX order; an empty name is an omitted optional input) ----
  size_t num_inputs() const { return static_cast<size_t>(node_.input_size()); }
  // The tensor id of input i; -1 when omitted or beyond the node's inputs.
  int32_t input(size_t i) const;
  // Every input's id, in order.
  std::vector<int32_t> inputs() const;
  const model::TensorInfo& tensor(int32_t id) const { return state_.graph.tensors[id]; }
  // kUndefined when the input is omitted or its dtype is unknown.
  DType input_dtype(size_t i) const;
  // The input as a constant tensor, or null when it is omitted or not a constant.
  const model::TensorInfo* constant_input(size_t i) const;
  // The values of a constant integer input (i32 or i64); an error naming the node otherwise.
  Result<std::vector<int64_t>> ConstantInts(size_t i) const;

  // ---- outputs ----
  size_t num_outputs() const { return static_cast<size_t>(node_.output_size()); }
  // True when output i has a name that some node or graph output reads.
  bool output_used(size_t i) const;

  // ---- attributes ----
  const onnx::AttributeProto* attr(std::string_view name) const;
  bool has_attr(std::string_view name) const { return attr(name) != nullptr; }
  int64_t GetInt(std::string_view name, int64_t fallback) const;
  float GetFloat(std::string_view name, float fallback) const;
  std::string GetString(std::string_view name, std::string_view fallback) const;
  std::vector<int64_t> GetInts(std::string_view name) const;
  std::vector<float> GetFloats(std::string_view name) const;
  // Copies every INT, FLOAT, STRING, INTS and FLOATS attribute except those in `skip`; any other
  // kind (tensor, graph, strings) makes the node unsupported.
  Result<model::Attributes> CopyAttributes(std::initializer_list<std::string_view> skip = {}) const;

  // ---- building ----
  // Constants named "<node name>/<what>".
  int32_t AddI64Constant(std::string_view what, const std::vector<int64_t>& values);
  int32_t AddF32Constant(std::string_view what, const std::vector<float>& values,
                         const Shape& shape);
  // A scalar (rank 0) of `dtype` holding `value` (converted as static_cast would).
  int32_t AddScalarConstant(std::string_view what, DType dtype, double value);
  // Appends the runtime node of this ONNX node (once per node), with the node's name. Trailing
  // omitted (-1) inputs are dropped. Its outputs are this node's ONNX outputs [0, num_outputs);
  // trailing omitted outputs are dropped, omitted middle ones get a tensor of output 0's dtype.
  Status Emit(std::string_view op_type, model::Attributes attrs, std::vector<int32_t> inputs,
              size_t num_outputs);
  // Defines ONNX output i as a constant (Constant nodes become constants, never nodes).
  Status DefineConstantOutput(size_t i, DecodedTensor tensor);

  // ---- results ----
  // The node cannot run on mota; `args` say why. Collected with every other unsupported node.
  template <typename... Args>
  Status Unsupported(const Args&... args) const {
    return Unimplemented(args...);
  }
  // The node is malformed (violates its ONNX definition); stops the conversion.
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(op_type(), " node '", name_, "': ", args...);
  }

 private:
  ImportState& state_;
  const onnx::NodeProto& node_;
  std::string name_;
  int opset_;
  bool emitted_ = false;
};

using LowerFn = Status (*)(LoweringContext&);

struct LoweringDef {
  const char* op_type;
  LowerFn lower;
};

const LoweringDef* FindLowering(std::string_view op_type);
// Sorted by op type.
std::vector<const LoweringDef*> AllLowerings();

struct LoweringRegistrar {
  explicit LoweringRegistrar(const LoweringDef& def);
};

// ---- helpers shared by the op files ----

// The node already has its runtime form: same op, same inputs and outputs, attributes copied.
Status LowerPassthrough(LoweringContext& ctx);
// Ops whose `axes` moved from an attribute to input 1 at `input_since_opset` (Squeeze,
// Unsqueeze, Reduce*): below it, the attribute becomes an i64 constant input (omitted when the
// attribute is absent). Other attributes are copied.
Status LowerAxesToInput(LoweringContext& ctx, int input_since_opset);
// Softmax, LogSoftmax, Hardmax: below opset 13, axis defaults to 1 and the input is coerced to
// 2-D at axis (runtime attribute coerce_2d = 1).
Status LowerSoftmaxFamily(LoweringContext& ctx);
// Fails (unsupported) when output i is read by a node or a graph output.
Status RequireOutputUnused(const LoweringContext& ctx, size_t i, std::string_view what);

}  // namespace mota::converter

// In an op file (inside namespace mota::converter):
//   MOTA_REGISTER_LOWERING(Relu, "Relu", LowerPassthrough);
#define MOTA_REGISTER_LOWERING(id, op_type, fn)                                   \
  static const ::mota::converter::LoweringRegistrar mota_lowering_registrar_##id( \
      ::mota::converter::LoweringDef{op_type, fn})
