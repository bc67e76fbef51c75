// The auto CPU backend's execution plan: the graph's run-time nodes turned into a list of steps,
// each an XNNPACK partition, one of our NHWC kernels, one logical-layout kernel (fast or
// reference) or a layout conversion, over buffers laid out in one arena.
//
// Layout: 4-D activations produced by XNNPACK partitions and NHWC kernels are NHWC; logical
// kernels read and write NCHW, except layout-agnostic ones (Concat, equal-shape elementwise)
// that run directly on NHWC data when their input already is NHWC (Concat's axis remapped).
// A tensor gets a second copy in the other layout (a transpose step) only where a consumer
// needs it; tensors whose bytes are the same in both layouts (C == 1 or H * W == 1, or not 4-D)
// are never converted. XNNPACK and NHWC kernels only touch arena buffers (XNNPACK may read 16
// bytes past a buffer's end), so graph inputs they read and outputs they write go through a
// copy step.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "exec/cpu/kernels.h"
#include "exec/plan.h"
#include "model/graph.h"

namespace mota::exec::xnn {

enum class Layout : uint8_t { kNchw = 0, kNhwc = 1 };

struct Buffer {
  enum class Kind : uint8_t { kArena, kStatic, kInput, kOutput };
  Kind kind = Kind::kArena;
  DType dtype = DType::kUndefined;
  int64_t numel = 0;
  size_t offset = 0;           // kArena
  const void* data = nullptr;  // kStatic
  int32_t index = -1;          // kInput / kOutput: graph input / output index
};

// A buffer seen with a physical shape (NHWC or NCHW order).
struct Ref {
  int32_t buffer = -1;  // -1: an omitted optional input
  DType dtype = DType::kUndefined;
  Shape shape;
};

struct Step {
  enum class Kind : uint8_t { kToNhwc, kToNchw, kCopy, kXnn, kNhwc, kLogical };
  Kind kind = Kind::kCopy;
  std::vector<Ref> inputs;
  std::vector<Ref> outputs;
  int32_t node = -1;                      // kNhwc, kLogical
  std::shared_ptr<model::Node> remapped;  // kLogical on NHWC data: the node with its axis remapped
  ComputeFn compute = nullptr;            // kLogical
  bool fast = false;                   // kLogical: compute is a fast kernel (apply activation here)
  std::unique_ptr<PreparedKernel> prepared;  // kLogical: runs instead of compute when set
  std::unique_ptr<NhwcKernel> kernel;  // kNhwc
  // kXnn: the partition's nodes and the graph tensors behind inputs / outputs (same order).
  std::vector<int32_t> nodes;
  std::vector<int32_t> input_tensors;
  std::vector<int32_t> output_tensors;
  int32_t runtime = -1;  // kXnn: the executable's runtime index
};

struct StepPlan {
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  size_t arena_size = 0;
  // How many nodes each executor took (for reports and tests).
  int xnn_nodes = 0;
  int nhwc_nodes = 0;
  int logical_nodes = 0;
  int fast_nodes = 0;
  int prepared_nodes = 0;
  int transposes = 0;
  int partitions = 0;
};

struct StepPlanOptions {
  bool nhwc_kernels = true;  // try exec::NhwcKernelFactories() first
  bool fast_kernels = true;  // prefer exec::PreparedKernelFactories(), then exec::FindFastKernel(),
                             // over reference kernels
};

// Builds steps and arena offsets for `plan` (which must outlive the result).
Result<StepPlan> BuildStepPlan(const model::Graph& graph, const ExecutionPlan& plan,
                               const StepPlanOptions& options = {});

}  // namespace mota::exec::xnn
