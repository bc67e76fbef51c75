// Lowering of single graph nodes to XNNPACK subgraph nodes (the 2022-02 subgraph API: NHWC, fp32).
//
// XnnSupports decides, per node and for the planned shapes, whether the node can run inside an
// XNNPACK partition; XnnLowering::Define then adds it to a subgraph. Both read the same
// parameters, so a node that XnnSupports accepts is defined exactly as checked.
//
// Layout inside a partition: every 4-D activation is NHWC ([N, H, W, C] for a logical
// [N, C, H, W]); tensors of other ranks keep their logical shape. Constant operands are copied
// (and permuted to NHWC where needed) into buffers the executable owns, because XNNPACK keeps
// pointers to static data for the runtime's whole life and may read 16 bytes past a buffer's end.
#pragma once

#include <xnnpack.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "base/status.h"
#include "exec/activation.h"
#include "exec/plan.h"
#include "model/graph.h"

namespace mota::exec::xnn {

// A 4-D logical NCHW shape as NHWC; other ranks unchanged.
Shape ToNhwcShape(const Shape& logical);
// True when a tensor's bytes differ between NCHW and NHWC: rank 4, C > 1 and H * W > 1.
bool IsLayoutSensitive(const Shape& logical);

// Whether `node` (index into graph.nodes) can be lowered for the shapes in `plan`.
bool XnnSupports(const model::Graph& graph, const ExecutionPlan& plan, int32_t node);

// An error Status for a failed XNNPACK call, naming the node and the call.
Status XnnError(xnn_status status, const char* call, const model::Node& node);

// Defines the nodes of one partition into one subgraph.
class XnnLowering {
 public:
  // `externals` maps graph tensors that cross the partition boundary to their external value
  // ids (inputs and outputs); `outputs` lists the externals the partition writes. Copies of
  // constant data are appended to `owned` (they must outlive the runtime), except convolution
  // and deconvolution filters, which XNNPACK (2022-02) reads only while creating the runtime
  // (it packs them): those go to `packed_at_creation`, which the caller frees after
  // xnn_create_runtime_v2 (xnn_graph_test checks this by poisoning them).
  XnnLowering(const model::Graph& graph, const ExecutionPlan& plan, xnn_subgraph_t subgraph,
              std::map<int32_t, uint32_t> externals, std::vector<int32_t> outputs,
              std::vector<HostTensor>* owned, std::vector<HostTensor>* packed_at_creation);

  Status Define(int32_t node);

 private:
  struct Clamp {
    float min;
    float max;
  };
  // Dynamic (non-constant) tensor t as an XNNPACK value, defined on first use.
  Result<uint32_t> Value(int32_t t);
  // A constant holding `data` with physical dims `dims` (the data must stay alive).
  Result<uint32_t> Static(const void* data, const Shape& dims);
  // A constant copy of tensor t, broadcast-ranked to `rank` and permuted to NHWC when rank is 4.
  Result<uint32_t> StaticOperand(int32_t t, size_t rank);
  // An internal value with physical dims `dims`.
  Result<uint32_t> Temp(const Shape& dims);
  // Where an op writes its output 0: the output value itself, or a temporary that the node's
  // fused activation then reads (FinishOutput). `clamp` receives the range the op should apply.
  Result<uint32_t> BeginOutput(bool op_clamps, Clamp* clamp);
  Status FinishOutput(uint32_t written);
  Status DefineHardSigmoid(const Activation& act, uint32_t x, uint32_t out);

  Status DefineConv();
  Status DefineDeconv();
  Status DefineGemm();
  Status DefineMatMul();
  Status DefinePool();
  Status DefineGlobalAveragePool();
  Status DefineBinary();
  Status DefineUnary();
  Status DefineSoftmax();
  Status DefinePRelu();
  Status DefineReshape();
  Status DefinePad();
  Status DefineDepthToSpace();

  const model::Graph& graph_;
  const ExecutionPlan& plan_;
  xnn_subgraph_t subgraph_;
  std::map<int32_t, uint32_t> externals_;
  std::vector<int32_t> outputs_;
  std::vector<HostTensor>* owned_;
  std::vector<HostTensor>* packed_at_creation_;
  std::map<int32_t, uint32_t> values_;
  const model::Node* node_ = nullptr;  // the node being defined
};

}  // namespace mota::exec::xnn
