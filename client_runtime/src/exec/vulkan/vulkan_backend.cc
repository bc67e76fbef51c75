// The "vulkan" backend: opens the device once per backend, shares pipelines between its
// executables, and persists the pipeline cache after each Prepare that compiled something.
#include "exec/vulkan/vulkan_backend.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "exec/vulkan/vk_executable.h"
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

// mkdir -p; errors are ignored (the cache then stays in memory).
void MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0700);
  }
}

std::string DefaultCacheDir() {
  if (const char* d = std::getenv("MOTA_VULKAN_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/mota";
  }
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/.cache/mota";
  }
  return "";
}

// $MOTA_VULKAN_SPIN_US, else 2 ms on discrete GPUs (desktops and servers: latency matters more
// than a core busy for at most the length of one inference), else 0 (phones: battery).
uint32_t DefaultSpinUs(const DeviceInfo& d) {
  if (const char* spin = std::getenv("MOTA_VULKAN_SPIN_US"); spin != nullptr) {
    return static_cast<uint32_t>(std::clamp(std::atoi(spin), 0, 1000000));
  }
  return d.type == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU ? 2000 : 0;
}

std::string CachePath(const VulkanOptions& options, const DeviceInfo& d) {
  if (options.cache_path == "none") return "";
  if (!options.cache_path.empty()) return options.cache_path;
  const std::string dir = DefaultCacheDir();
  if (dir.empty()) return "";
  MakeDirs(dir);
  char name[96];
  std::snprintf(name, sizeof(name), "/mota-vulkan-%04x-%04x.pipeline-cache", d.vendor_id,
                d.device_id);
  return dir + name;
}

class Backend final : public VulkanBackend {
 public:
  Backend(const BackendOptions& options, const VulkanOptions& vulkan) {
    auto ctx = Context::Create(vulkan.context);
    if (!ctx.ok()) {
      status_ = ctx.status();
      return;
    }
    shared_ = std::make_shared<SharedState>();
    shared_->ctx = std::move(ctx).value();
    shared_->tuning = DefaultTuning(shared_->ctx->info());
    shared_->force_staging = vulkan.force_staging;
    shared_->cost_policy = vulkan.cost_policy;
    shared_->cpu_threads = options.threads;
    shared_->spin_wait_us = vulkan.spin_wait_us >= 0 ? static_cast<uint32_t>(vulkan.spin_wait_us)
                                                     : DefaultSpinUs(shared_->ctx->info());
    const char* profile = std::getenv("MOTA_VULKAN_PROFILE");
    shared_->profile = vulkan.profile || (profile != nullptr && std::string(profile) == "1");
    std::string tuning = vulkan.tuning;
    if (tuning.empty()) {
      if (const char* env = std::getenv("MOTA_VULKAN_TUNING"); env != nullptr) tuning = env;
    }
    status_ = ApplyTuningParameters(tuning, shared_->ctx->info(), &shared_->tuning);
    if (!status_.ok()) return;
    status_ = ApplyQuirks(vulkan.quirks);
    if (!status_.ok()) return;
    precision_ = vulkan.precision;
    if (precision_.empty()) {
      if (const char* env = std::getenv("MOTA_VULKAN_PRECISION"); env != nullptr) precision_ = env;
    }
    if (!precision_.empty() && precision_ != "fp16" && precision_ != "fp32") {
      status_ = InvalidArgument("Vulkan precision '", precision_, "': expected fp16 or fp32");
      return;
    }
    cache_path_ = CachePath(vulkan, shared_->ctx->info());
    auto pipelines = PipelineManager::Create(shared_->ctx, cache_path_);
    if (!pipelines.ok()) {
      status_ = pipelines.status();
      return;
    }
    shared_->pipelines = std::move(pipelines).value();
  }

  const char* name() const override { return "vulkan"; }
  bool Supports(const model::Graph&, const model::Node& node) const override {
    return status_.ok() && FindVkOp(node.op_type) != nullptr;
  }

  Result<std::unique_ptr<Executable>> Prepare(const model::Graph& graph,
                                              std::span<const Shape> input_shapes,
                                              std::span<const TensorView> known_inputs) override {
    MOTA_RETURN_IF_ERROR(status_);
    MOTA_RETURN_IF_ERROR(shared_->lost);
    PlanOptions options;
    options.known_inputs = known_inputs;
    MOTA_ASSIGN_OR_RETURN(ExecutionPlan plan, PlanExecution(graph, input_shapes, options));
    MOTA_ASSIGN_OR_RETURN(
        auto exe, CreateVulkanExecutable(graph, std::move(plan), shared_, ChoosePrecision(graph)));
    // A cache that cannot be written costs the next process compile time, not correctness.
    cache_save_ = shared_->pipelines->Save();
    return std::unique_ptr<Executable>(std::move(exe));
  }

  const Status& status() const override { return status_; }
  const DeviceInfo& device() const override { return shared_->ctx->info(); }
  std::string tuning() const override {
    return status_.ok() ? TuningToString(shared_->tuning) : "";
  }
  std::string cache_report() const override {
    if (!status_.ok()) return "";
    std::string report = CacheLoadName(shared_->pipelines->cache_load());
    if (!shared_->pipelines->cache_rejection().empty()) {
      report += ": " + shared_->pipelines->cache_rejection();
    }
    if (!cache_save_.ok()) report += "; saving failed: " + cache_save_.message();
    return report;
  }
  const std::string& cache_path() const override { return cache_path_; }
  int pipelines_created() const override {
    return status_.ok() ? shared_->pipelines->created() : 0;
  }
  const std::vector<std::string>& applied_quirks() const override { return applied_quirks_; }

 private:
  // Every quirk matching the device: disable_backend -> INCOMPATIBLE (Prepare returns it).
  Status ApplyQuirks(const std::vector<VulkanQuirk>& quirks) {
    const DeviceInfo& d = shared_->ctx->info();
    for (const VulkanQuirk& q : quirks) {
      if (!QuirkApplies(q, d)) continue;
      applied_quirks_.push_back(StrCat(QuirkActionName(q.action), ": ", q.reason));
      switch (q.action) {
        case VulkanQuirk::Action::kDisableBackend:
          return Status(
              StatusCode::kIncompatible,
              StrCat("the Vulkan backend is disabled on ", d.name, " (", QuirkDeviceText(d),
                     ") by a quirk of the variant: ", q.reason, "; use a CPU backend"));
        case VulkanQuirk::Action::kDisableFp16:
          fp16_quirk_ = q.reason;
          break;
        case VulkanQuirk::Action::kTuning: {
          Status s = ApplyTuningParameters(q.tuning, d, &shared_->tuning);
          if (!s.ok()) return s.WithContext(StrCat("in the tuning quirk '", q.reason, "'"));
          break;
        }
      }
    }
    return Status::Ok();
  }

  // fp16 when asked for (or the model is fp16), the device can and no quirk forbids it.
  Precision ChoosePrecision(const model::Graph& graph) const {
    const bool model_fp16 = graph.metadata.precision == "fp16";
    const std::string source = !precision_.empty()
                                   ? StrCat("asked for ", precision_)
                                   : StrCat("model precision '", graph.metadata.precision, "'");
    if (precision_ == "fp32" || (precision_.empty() && !model_fp16)) {
      return {false, StrCat("fp32: ", source)};
    }
    const DeviceInfo& d = shared_->ctx->info();
    if (!d.shader_float16 || !d.storage_16bit) {
      return {false, StrCat("fp32: ", source, " but the device lacks ",
                            !d.shader_float16 ? "shaderFloat16" : "storageBuffer16BitAccess")};
    }
    if (!fp16_quirk_.empty()) {
      return {false, StrCat("fp32: ", source, " but a quirk disables fp16: ", fp16_quirk_)};
    }
    return {true, StrCat("fp16: ", source)};
  }

  Status status_;
  std::shared_ptr<SharedState> shared_;
  std::string cache_path_;
  Status cache_save_;
  std::string precision_;   // VulkanOptions::precision or $MOTA_VULKAN_PRECISION
  std::string fp16_quirk_;  // reason of a disable_fp16 quirk
  std::vector<std::string> applied_quirks_;
};

std::unique_ptr<exec::Backend> CreateDefault(const BackendOptions& options) {
  return CreateVulkanBackend(options);
}

}  // namespace

std::unique_ptr<VulkanBackend> CreateVulkanBackend(const BackendOptions& options,
                                                   const VulkanOptions& vulkan) {
  return std::make_unique<Backend>(options, vulkan);
}

}  // namespace mota::exec::vk

MOTA_REGISTER_BACKEND(vulkan, "vulkan", ::mota::exec::vk::CreateDefault);
