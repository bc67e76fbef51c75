// The XNNPACK CPU backend, registered as "xnnpack" and as "auto" (the best CPU path of a build
// with XNNPACK). Prepare plans shapes (exec/plan.h), builds the step plan (step_plan.h), lays
// out the arena, and creates one XNNPACK runtime per partition with its external values bound
// to arena buffers once; Run executes the steps in order.
#include "exec/xnnpack/xnnpack_backend.h"

#include <pthreadpool.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <xnnpack.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "base/thread_pool.h"
#include "exec/activation.h"
#include "exec/backend.h"
#include "exec/xnnpack/step_plan.h"
#include "exec/xnnpack/xnn_ops.h"

namespace mota::exec::xnn {
namespace {

// xnn_initialize once per process; its result is kept for every later caller.
xnn_status InitializeXnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  return status;
}

struct PoolDeleter {
  void operator()(pthreadpool* p) const { pthreadpool_destroy(p); }
};
using PthreadPool = std::unique_ptr<pthreadpool, PoolDeleter>;

struct RuntimeDeleter {
  void operator()(xnn_runtime* r) const { xnn_delete_runtime(r); }
};
using XnnRuntime = std::unique_ptr<xnn_runtime, RuntimeDeleter>;

struct SubgraphDeleter {
  void operator()(xnn_subgraph* s) const { xnn_delete_subgraph(s); }
};

// Threads shared by every executable of one backend: one set of workers (pthreadpool's), used
// by XNNPACK and, through the ThreadPool adapter, by our kernels. Two pools would spin against
// each other on a phone's (or this machine's) few cores.
struct Threads {
  PthreadPool xnn;                   // null for one thread
  std::unique_ptr<ThreadPool> ours;  // null for one thread; runs on `xnn`
};

void RunOnPthreadpool(void* impl, int64_t chunks, const std::function<void(int64_t)>& task) {
  pthreadpool_parallelize_1d(
      static_cast<pthreadpool_t>(impl),
      [](void* context, size_t i) { (*static_cast<const std::function<void(int64_t)>*>(context))(static_cast<int64_t>(i)); },
      const_cast<std::function<void(int64_t)>*>(&task), static_cast<size_t>(chunks), 0);
}

// [n, c, hw] -> [n, hw, c] and back, in cache-sized tiles.
void Transpose(const float* src, float* dst, int64_t n, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  for (int64_t b = 0; b < n; ++b) {
    const float* s = src + b * rows * cols;
    float* d = dst + b * rows * cols;
    for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
      const int64_t r1 = std::min(rows, r0 + kTile);
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t c1 = std::min(cols, c0 + kTile);
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t c = c0; c < c1; ++c) d[c * rows + r] = s[r * cols + c];
        }
      }
    }
  }
}

class XnnExecutable final : public Executable {
 public:
  XnnExecutable(const model::Graph& graph, ExecutionPlan plan, std::shared_ptr<Threads> threads,
                const StepPlanOptions& options)
      : graph_(graph), plan_(std::move(plan)), threads_(std::move(threads)), options_(options) {}

  ~XnnExecutable() override {
    // Runtimes go before the weight copies they point into.
    runtimes_.clear();
  }

  Status Init() {
    MOTA_ASSIGN_OR_RETURN(steps_, BuildStepPlan(graph_, plan_, options_));
    if (!arena_.Resize(steps_.arena_size)) {
      return OutOfMemory("cannot allocate the ", steps_.arena_size, "-byte activation arena");
    }
    for (Step& step : steps_.steps) {
      if (step.kind == Step::Kind::kXnn) MOTA_RETURN_IF_ERROR(CreateRuntime(step));
    }
    return Status::Ok();
  }

  const std::vector<Shape>& output_shapes() const override { return plan_.output_shapes; }
  const std::vector<DType>& output_dtypes() const override { return plan_.output_dtypes; }
  size_t arena_bytes() const override { return steps_.arena_size; }

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    MOTA_RETURN_IF_ERROR(CheckBindings(inputs, outputs));
    for (Step& step : steps_.steps) MOTA_RETURN_IF_ERROR(RunStep(step, inputs, outputs));
    return Status::Ok();
  }

 private:
  uint8_t* Data(const Ref& r, std::span<const TensorView> inputs,
                std::span<const TensorView> outputs) {
    const Buffer& b = steps_.buffers[r.buffer];
    switch (b.kind) {
      case Buffer::Kind::kArena:
        return arena_.data() + b.offset;
      case Buffer::Kind::kStatic:
        return static_cast<uint8_t*>(const_cast<void*>(b.data));
      case Buffer::Kind::kInput:
        return static_cast<uint8_t*>(inputs[b.index].data);
      case Buffer::Kind::kOutput:
        return static_cast<uint8_t*>(outputs[b.index].data);
    }
    return nullptr;
  }

  TensorView View(const Ref& r, std::span<const TensorView> inputs,
                  std::span<const TensorView> outputs) {
    if (r.buffer < 0) return TensorView{};
    return TensorView{r.dtype, r.shape, Data(r, inputs, outputs)};
  }

  Status CreateRuntime(Step& step) {
    const model::Node& first = graph_.nodes[step.nodes[0]];
    const auto externals =
        static_cast<uint32_t>(step.input_tensors.size() + step.output_tensors.size());
    xnn_subgraph_t raw = nullptr;
    xnn_status status = xnn_create_subgraph(externals, 0, &raw);
    if (status != xnn_status_success) return XnnError(status, "xnn_create_subgraph", first);
    std::unique_ptr<xnn_subgraph, SubgraphDeleter> subgraph(raw);
    std::map<int32_t, uint32_t> ids;
    std::vector<xnn_external_value> bindings;
    auto bind = [&](int32_t t, const Ref& r) {
      const auto id = static_cast<uint32_t>(ids.size());
      ids[t] = id;
      bindings.push_back(xnn_external_value{id, arena_.data() + steps_.buffers[r.buffer].offset});
    };
    for (size_t i = 0; i < step.input_tensors.size(); ++i)
      bind(step.input_tensors[i], step.inputs[i]);
    for (size_t i = 0; i < step.output_tensors.size(); ++i)
      bind(step.output_tensors[i], step.outputs[i]);
    std::vector<HostTensor> filters;  // freed once XNNPACK has packed them
    XnnLowering lowering(graph_, plan_, subgraph.get(), ids, step.output_tensors, &weights_, &filters);
    for (int32_t n : step.nodes) MOTA_RETURN_IF_ERROR(lowering.Define(n));
    xnn_runtime_t runtime = nullptr;
    status = xnn_create_runtime_v2(subgraph.get(), threads_->xnn.get(), 0, &runtime);
    if (status != xnn_status_success) return XnnError(status, "xnn_create_runtime_v2", first);
    runtimes_.emplace_back(runtime);
    if (std::getenv("MOTA_XNN_POISON_PACKED_FILTERS") != nullptr) {
      // Test hook: prove the runtime no longer reads the filters we are about to free.
      for (HostTensor& f : filters) {
        std::fill_n(f.as<float>(), f.numel(), std::numeric_limits<float>::quiet_NaN());
      }
    }
    // External values live in the arena, which never moves: bind them once.
    status = xnn_setup_runtime(runtime, bindings.size(), bindings.data());
    if (status != xnn_status_success) return XnnError(status, "xnn_setup_runtime", first);
    step.runtime = static_cast<int32_t>(runtimes_.size() - 1);
    return Status::Ok();
  }

  Status RunStep(Step& step, std::span<const TensorView> inputs,
                 std::span<const TensorView> outputs) {
    switch (step.kind) {
      case Step::Kind::kCopy: {
        const TensorView dst = View(step.outputs[0], inputs, outputs);
        std::memcpy(dst.data, Data(step.inputs[0], inputs, outputs), dst.nbytes());
        return Status::Ok();
      }
      case Step::Kind::kToNhwc:
      case Step::Kind::kToNchw: {
        const Shape& s = step.inputs[0].shape;  // [n, c, h, w] or [n, h, w, c]
        if (step.inputs[0].dtype != DType::kF32) {
          return Internal("layout transpose of a ", DTypeName(step.inputs[0].dtype),
                          " tensor: only f32 is planned");
        }
        const bool to_nhwc = step.kind == Step::Kind::kToNhwc;
        const int64_t rows = to_nhwc ? s[1] : s[1] * s[2];
        const int64_t cols = to_nhwc ? s[2] * s[3] : s[3];
        Transpose(reinterpret_cast<const float*>(Data(step.inputs[0], inputs, outputs)),
                  reinterpret_cast<float*>(Data(step.outputs[0], inputs, outputs)), s[0], rows,
                  cols);
        return Status::Ok();
      }
      case Step::Kind::kXnn: {
        const xnn_status status = xnn_invoke_runtime(runtimes_[step.runtime].get());
        if (status != xnn_status_success) {
          return XnnError(status, "xnn_invoke_runtime", graph_.nodes[step.nodes[0]]);
        }
        return Status::Ok();
      }
      case Step::Kind::kNhwc: {
        std::vector<TensorView> in;
        for (const Ref& r : step.inputs) in.push_back(View(r, inputs, outputs));
        return step.kernel->Run(in, View(step.outputs[0], inputs, outputs), threads_->ours.get());
      }
      case Step::Kind::kLogical:
        return RunLogical(step, inputs, outputs);
    }
    return Status::Ok();
  }

  Status RunLogical(const Step& step, std::span<const TensorView> inputs,
                    std::span<const TensorView> outputs) {
    const model::Node& node = step.remapped ? *step.remapped : graph_.nodes[step.node];
    std::vector<TensorView> in, out;
    for (const Ref& r : step.inputs) in.push_back(View(r, inputs, outputs));
    for (const Ref& r : step.outputs) out.push_back(View(r, inputs, outputs));
    if (step.prepared) return step.prepared->Run(in, out, threads_->ours.get());
    if (!step.fast) return EvaluateNode(*plan_.ops[step.node], node, in, out, threads_->ours.get());
    KernelContext ctx{node, in, out, threads_->ours.get()};
    MOTA_RETURN_IF_ERROR(step.compute(ctx));
    if (node.attrs.Has(kActivationAttr) && out[0].dtype == DType::kF32) {
      MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
      ApplyActivation(act, out[0].as<float>(), out[0].numel());
    }
    return Status::Ok();
  }

  Status CheckBindings(std::span<const TensorView> inputs,
                       std::span<const TensorView> outputs) const {
    return CheckRunBindings(graph_, plan_, inputs, outputs);
  }

  const model::Graph& graph_;
  ExecutionPlan plan_;
  std::shared_ptr<Threads> threads_;
  StepPlanOptions options_;
  StepPlan steps_;
  AlignedBuffer arena_;
  std::vector<HostTensor> weights_;  // repacked / copied constants the runtimes point into
  std::vector<XnnRuntime> runtimes_;
};

class XnnBackend final : public Backend {
 public:
  XnnBackend(const BackendOptions& options, const AutoOptions& auto_options)
      : threads_(std::make_shared<Threads>()) {
    options_.nhwc_kernels = auto_options.nhwc_kernels;
    options_.fast_kernels = auto_options.fast_kernels;
    if (options.threads > 1) {
      threads_->xnn.reset(pthreadpool_create(static_cast<size_t>(options.threads)));
      if (threads_->xnn == nullptr) {
        creation_error_ = OutOfMemory("cannot create a pool of ", options.threads, " threads");
        return;
      }
      threads_->ours = std::make_unique<ThreadPool>(options.threads, threads_->xnn.get(), RunOnPthreadpool);
    }
  }
  const char* name() const override { return "xnnpack"; }
  bool Supports(const model::Graph&, const model::Node& node) const override {
    return FindOp(node.op_type) != nullptr;
  }
  Result<std::unique_ptr<Executable>> Prepare(const model::Graph& graph,
                                              std::span<const Shape> input_shapes,
                                              std::span<const TensorView> known_inputs) override {
    MOTA_RETURN_IF_ERROR(creation_error_);
    const xnn_status status = InitializeXnnpack();
    if (status != xnn_status_success) {
      return Status(StatusCode::kIncompatible,
                    StrCat("xnn_initialize failed with status ", static_cast<int>(status),
                           ": this CPU cannot run XNNPACK; use --backend reference"));
    }
    PlanOptions options;
    options.known_inputs = known_inputs;
    MOTA_ASSIGN_OR_RETURN(ExecutionPlan plan, PlanExecution(graph, input_shapes, options));
    auto exe = std::make_unique<XnnExecutable>(graph, std::move(plan), threads_, options_);
    MOTA_RETURN_IF_ERROR(exe->Init());
    return std::unique_ptr<Executable>(std::move(exe));
  }

 private:
  std::shared_ptr<Threads> threads_;
  StepPlanOptions options_;
  Status creation_error_;
};

std::unique_ptr<Backend> CreateDefault(const BackendOptions& options) {
  return CreateXnnBackend(options);
}

}  // namespace

std::unique_ptr<Backend> CreateXnnBackend(const BackendOptions& options,
                                          const AutoOptions& auto_options) {
  return std::make_unique<XnnBackend>(options, auto_options);
}

}  // namespace mota::exec::xnn

MOTA_REGISTER_BACKEND(xnnpack, "xnnpack", ::mota::exec::xnn::CreateDefault);
MOTA_REGISTER_BACKEND(auto_cpu, "auto", ::mota::exec::xnn::CreateDefault);
