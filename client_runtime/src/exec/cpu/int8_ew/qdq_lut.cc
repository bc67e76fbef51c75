// Prepared kernel "int8_qdq_lut": the QDQ chain DequantizeLinear -> unary activation ->
// QuantizeLinear between two per-tensor int8 (or u8) tensors, run as one 256-entry byte table.
//
// The quantizer writes this chain after a QLinearConv / QLinearMatMul with HardSwish or LeakyRelu
// (manifests/spec/quantization.md): the conv requantizes in integers to the pre-activation range,
// and the activation becomes a pure function of one code (any elementwise activation is taken).
// The auto backend's step plan (exec/xnnpack/step_plan.cc) finds the chain and offers this
// factory one synthetic node (kQdqLutOp below):
//   op_type  "mota.QdqUnary"
//   inputs   x (i8 / u8), x_scale, x_zero_point?, y_scale, y_zero_point   (scales / zps constant)
//   outputs  y (i8 / u8)
//   attrs    the activation node's attributes, plus "mota_qdq_activation" = its op type
// Bit-exact by construction: the table is built by running the reference kernels of the three
// nodes (DequantizeLinear, the activation, QuantizeLinear) on all 256 codes. Per-tensor only (a
// per-channel scale is declined, and the chain then runs node by node).
#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exec/cpu/int8_ew/int8_lut.h"
#include "exec/cpu/kernels.h"
#include "exec/op_registry.h"

namespace mota::exec {
namespace {

constexpr const char* kQdqLutOp = "mota.QdqUnary";
constexpr const char* kActivationOpAttr = "mota_qdq_activation";
constexpr int64_t kGrain = 1 << 16;  // bytes per task: a table lookup is ~0.02 ns per byte

bool IsCode(DType d) { return d == DType::kI8 || d == DType::kU8; }

// Elementwise one-input ops whose result depends only on the element (no shape, no axis).
bool IsTableActivation(const std::string& op) {
  static const std::set<std::string> kOps = {
      "HardSwish", "HardSigmoid", "Sigmoid",        "Tanh", "LeakyRelu", "Relu", "Elu", "Celu",
      "Selu",      "Softplus",    "Softsign",       "Exp",  "Abs",       "Neg",  "Erf", "Identity",
      "Gelu",      "Mish",        "ThresholdedRelu"};
  return kOps.count(op) != 0;
}

bool IsPerTensor(const TensorView& v) { return !v.present() || v.numel() == 1; }

class QdqLutKernel final : public PreparedKernel {
 public:
  explicit QdqLutKernel(const std::array<uint8_t, 256>& table)
      : table_(table), lut_(int8_ew::BestLut()) {}

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
             ThreadPool* pool) override {
    const auto* src = static_cast<const uint8_t*>(inputs[0].data);
    auto* dst = static_cast<uint8_t*>(outputs[0].data);
    const int64_t n = inputs[0].numel();
    ParallelFor(pool, n, kGrain, [&](int64_t begin, int64_t end) {
      lut_(table_.data(), src + begin, end - begin, dst + begin);
    });
    return Status::Ok();
  }
  size_t bytes() const override { return table_.size(); }

 private:
  std::array<uint8_t, 256> table_;
  int8_ew::LutFn lut_;
};

// Runs the reference kernel of `op` for `node` on one set of 256-element tensors.
Status RunReference(const model::Node& node, std::span<const TensorView> in,
                    const TensorView& out) {
  const OpDef* def = FindOp(node.op_type);
  if (def == nullptr || def->compute == nullptr)
    return InvalidArgument("QDQ table for node '", node.name, "': op '", node.op_type,
                           "' has no reference kernel");
  const TensorView outs[1] = {out};
  KernelContext ctx{node, in, outs, nullptr};
  return def->compute(ctx);
}

// table[b] = Q(act(DQ(code b))) where code b is byte b read as x's dtype.
Result<std::array<uint8_t, 256>> BuildTable(const model::Node& node,
                                            std::span<const TensorView> inputs,
                                            const TensorView& output) {
  const std::string act_op = node.attrs.GetString(kActivationOpAttr, "");
  std::array<uint8_t, 256> codes;
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<uint8_t>(i);
  std::array<float, 256> real, activated;
  std::array<uint8_t, 256> table;
  const Shape shape = {256};
  const TensorView x{inputs[0].dtype, shape, codes.data()};
  const TensorView r{DType::kF32, shape, real.data()};
  const TensorView a{DType::kF32, shape, activated.data()};
  const TensorView y{output.dtype, shape, table.data()};

  model::Node dq;
  dq.name = node.name + "/DequantizeLinear";
  dq.op_type = "DequantizeLinear";
  const TensorView dq_in[3] = {x, inputs[1], inputs[2]};
  MOTA_RETURN_IF_ERROR(RunReference(dq, dq_in, r));

  model::Node act;
  act.name = node.name + "/" + act_op;
  act.op_type = act_op;
  act.attrs = node.attrs;
  act.attrs.Erase(kActivationOpAttr);
  const TensorView act_in[1] = {r};
  MOTA_RETURN_IF_ERROR(RunReference(act, act_in, a));

  model::Node q;
  q.name = node.name;
  q.op_type = "QuantizeLinear";
  const TensorView q_in[3] = {a, inputs[3], inputs[4]};
  MOTA_RETURN_IF_ERROR(RunReference(q, q_in, y));
  return table;
}

Result<std::unique_ptr<PreparedKernel>> CreateQdqLut(const model::Node& node,
                                                     std::span<const TensorView> inputs,
                                                     std::span<const TensorView> outputs) {
  using KernelPtr = std::unique_ptr<PreparedKernel>;
  if (node.op_type != kQdqLutOp || inputs.size() != 5 || outputs.size() != 1) return KernelPtr();
  if (!IsTableActivation(node.attrs.GetString(kActivationOpAttr, ""))) return KernelPtr();
  if (!IsCode(inputs[0].dtype) || !IsCode(outputs[0].dtype)) return KernelPtr();
  if (inputs[0].numel() != outputs[0].numel()) return KernelPtr();
  for (int i = 1; i < 5; ++i) {
    const bool optional = i == 2;
    if (!inputs[i].present() && optional) continue;
    if (!inputs[i].present() || inputs[i].data == nullptr || !IsPerTensor(inputs[i]))
      return KernelPtr();
  }
  if (inputs[3].dtype != DType::kF32 || inputs[4].dtype != outputs[0].dtype) return KernelPtr();
  auto table = BuildTable(node, inputs, outputs[0]);
  // A reference kernel that refuses the 256-code probe (an attribute it rejects, say) leaves the
  // chain to run node by node, where the same error reaches the caller with the real node.
  if (!table.ok()) return KernelPtr();
  return KernelPtr(std::make_unique<QdqLutKernel>(*table));
}

}  // namespace

MOTA_REGISTER_PREPARED_KERNEL(int8_qdq_lut, {"int8_qdq_lut", 10, CreateQdqLut});

}  // namespace mota::exec
