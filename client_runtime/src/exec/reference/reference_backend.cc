#include "exec/reference/reference_backend.h"

#include <cstring>

#include "base/thread_pool.h"
#include "exec/plan.h"

namespace mota::exec {
namespace {

class ReferenceExecutable final : public Executable {
 public:
  ReferenceExecutable(const model::Graph& graph, ExecutionPlan plan, ThreadPool* pool)
      : graph_(graph), plan_(std::move(plan)), pool_(pool) {}

  Status Init() {
    if (!arena_.Resize(plan_.arena_size)) {
      return OutOfMemory("cannot allocate the ", plan_.arena_size, "-byte activation arena");
    }
    return Status::Ok();
  }

  const std::vector<Shape>& output_shapes() const override { return plan_.output_shapes; }
  const std::vector<DType>& output_dtypes() const override { return plan_.output_dtypes; }
  size_t arena_bytes() const override { return plan_.arena_size; }

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    MOTA_RETURN_IF_ERROR(CheckBindings(inputs, outputs));
    std::vector<TensorView> in, out;
    for (int32_t n : plan_.run_nodes) {
      const model::Node& node = graph_.nodes[n];
      in.clear();
      out.clear();
      for (int32_t t : node.inputs) {
        in.push_back(t < 0 ? TensorView{} : plan_.View(t, arena_.data(), inputs, outputs));
      }
      for (int32_t t : node.outputs) out.push_back(plan_.View(t, arena_.data(), inputs, outputs));
      MOTA_RETURN_IF_ERROR(EvaluateNode(*plan_.ops[n], node, in, out, pool_));
    }
    CopyIndirectOutputs(inputs, outputs);
    return Status::Ok();
  }

 private:
  Status CheckBindings(std::span<const TensorView> inputs, std::span<const TensorView> outputs) const {
    return CheckRunBindings(graph_, plan_, inputs, outputs);
  }

  // Outputs that are constants, inputs, prepare-time values or repeated are copied.
  void CopyIndirectOutputs(std::span<const TensorView> inputs, std::span<const TensorView> outputs) {
    for (size_t i = 0; i < graph_.outputs.size(); ++i) {
      const int32_t t = graph_.outputs[i];
      const TensorPlan& p = plan_.tensors[t];
      if (p.storage == TensorPlan::Storage::kOutput && p.graph_output == static_cast<int32_t>(i)) continue;
      const TensorView src = plan_.View(t, arena_.data(), inputs, outputs);
      if (src.data != nullptr && src.data != outputs[i].data) {
        std::memcpy(outputs[i].data, src.data, outputs[i].nbytes());
      }
    }
  }

  const model::Graph& graph_;
  ExecutionPlan plan_;
  ThreadPool* pool_;
  AlignedBuffer arena_;
};

class ReferenceBackend final : public Backend {
 public:
  explicit ReferenceBackend(const BackendOptions& options) {
    if (options.threads > 1) pool_ = std::make_unique<ThreadPool>(options.threads);
  }
  const char* name() const override { return "reference"; }
  bool Supports(const model::Graph&, const model::Node& node) const override {
    return FindOp(node.op_type) != nullptr;
  }
  Result<std::unique_ptr<Executable>> Prepare(const model::Graph& graph,
                                              std::span<const Shape> input_shapes,
                                              std::span<const TensorView> known_inputs) override {
    PlanOptions options;
    options.known_inputs = known_inputs;
    MOTA_ASSIGN_OR_RETURN(ExecutionPlan plan, PlanExecution(graph, input_shapes, options));
    auto exe = std::make_unique<ReferenceExecutable>(graph, std::move(plan), pool_.get());
    MOTA_RETURN_IF_ERROR(exe->Init());
    return std::unique_ptr<Executable>(std::move(exe));
  }

 private:
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace

std::unique_ptr<Backend> CreateReferenceBackend(const BackendOptions& options) {
  return std::make_unique<ReferenceBackend>(options);
}

}  // namespace mota::exec
