// Seams for mota's own fast CPU kernels, used by the "auto" CPU backend (exec/xnnpack/):
//
// 1. Fast kernels: drop-in replacements for reference kernels (same op semantics, same logical
//    NCHW / ONNX layout, stateless ComputeFn, exec/op_registry.h). The auto backend uses one for
//    every node that neither XNNPACK nor an NHWC kernel takes; without one it falls back to the
//    reference kernel. Register with MOTA_REGISTER_FAST_KERNEL(Softmax, ComputeSoftmaxFast).
//
// 2. NHWC kernels: stateful kernels on NHWC activations (the layout inside XNNPACK partitions)
//    that replace XNNPACK where ours measure faster (depthwise conv, batch-1 FC, Winograd 3x3).
//    A factory looks at a node (with its constant weights) and returns a kernel, or nullptr when it
//    does not handle that node on this CPU. Creation packs the weights once; Run is called per
//    inference. The kernel applies the node's fused activation (exec/activation.h) itself.
//
// 3. Prepared kernels: stateful kernels in the logical (NCHW / ONNX) layout, for nodes whose
//    constant operands are worth packing once (int8 GEMM convolutions, QLinearMatMul with a
//    constant B). A factory looks at the node at prepare time and returns a kernel, or nullptr to
//    decline; the auto backend then uses the fast kernel or the reference kernel as before. Run
//    gets every input of the node (constants included) and applies the fused activation itself.
//
// Kernels pick their ISA at run time with GetCpuFeatures() (exec/cpu/cpu_features.h) and always
// have a portable path that compiles for ARM64.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "exec/op_registry.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

// ---- 1. fast kernels (logical layout) ----
ComputeFn FindFastKernel(std::string_view op_type);
struct FastKernelRegistrar {
  FastKernelRegistrar(const char* op_type, ComputeFn compute);
};

// ---- 2. NHWC kernels ----
class NhwcKernel {
 public:
  virtual ~NhwcKernel() = default;
  // inputs: the node's non-constant inputs as NHWC tensors (shape given in NHWC order);
  // output: NHWC, allocated by the caller. Not thread-safe; `pool` may be null.
  virtual Status Run(std::span<const TensorView> inputs, const TensorView& output, ThreadPool* pool) = 0;
  // Bytes of packed weights and scratch this kernel holds (for memory reports).
  virtual size_t bytes() const { return 0; }
};

struct NhwcKernelFactory {
  const char* name;  // "dwconv3x3", "fc_row", "winograd_f43", ...
  int priority;      // higher wins when several factories accept a node
  // `inputs` are the node's inputs with logical (NCHW) shapes; constants have data. Returns
  // nullptr when this factory does not handle the node; an error only for a real failure.
  Result<std::unique_ptr<NhwcKernel>> (*create)(const model::Node& node, std::span<const TensorView> inputs,
                                                const TensorView& output);
};

// Sorted by descending priority.
std::vector<const NhwcKernelFactory*> NhwcKernelFactories();
struct NhwcKernelRegistrar {
  explicit NhwcKernelRegistrar(const NhwcKernelFactory& factory);
};

// ---- 3. prepared kernels (logical layout) ----
class PreparedKernel {
 public:
  virtual ~PreparedKernel() = default;
  // `inputs` / `outputs`: the node's, in the logical layout (outputs allocated by the caller).
  // Not thread-safe (kernels may keep scratch); `pool` may be null.
  virtual Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
                     ThreadPool* pool) = 0;
  // Bytes of packed weights and scratch this kernel holds (for memory reports).
  virtual size_t bytes() const { return 0; }
};

struct PreparedKernelFactory {
  const char* name;  // "int8_gemm_conv", ...
  int priority;      // higher wins when several factories accept a node
  // `inputs`: the node's inputs (constants have data, the others data == nullptr); `outputs`:
  // their dtypes and shapes. Returns nullptr to decline; an error only for a real failure.
  Result<std::unique_ptr<PreparedKernel>> (*create)(const model::Node& node,
                                                    std::span<const TensorView> inputs,
                                                    std::span<const TensorView> outputs);
};

// Sorted by descending priority.
std::vector<const PreparedKernelFactory*> PreparedKernelFactories();
struct PreparedKernelRegistrar {
  explicit PreparedKernelRegistrar(const PreparedKernelFactory& factory);
};

}  // namespace mota::exec

#define MOTA_REGISTER_FAST_KERNEL(op, fn) \
  static const ::mota::exec::FastKernelRegistrar mota_fast_kernel_##op(#op, fn)
#define MOTA_REGISTER_NHWC_KERNEL(id, ...) \
  static const ::mota::exec::NhwcKernelRegistrar mota_nhwc_kernel_##id(::mota::exec::NhwcKernelFactory __VA_ARGS__)
#define MOTA_REGISTER_PREPARED_KERNEL(id, ...)                                   \
  static const ::mota::exec::PreparedKernelRegistrar mota_prepared_kernel_##id( \
      ::mota::exec::PreparedKernelFactory __VA_ARGS__)
