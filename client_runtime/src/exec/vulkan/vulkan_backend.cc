// The "vulkan" backend: opens the device once per backend, shares pipelines between its
// executables, and persists the pipeline cache after each Prepare that compiled something.
#include "exec/vulkan/vulkan_backend.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "exec/vulkan/vk_executable.h"
#include "exec/vulkan/vk_op.h"
#include "exec/vulkan/vk_placement.h"

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

// The variant's quirk list (BackendOptions::vulkan_quirks_json) after VulkanOptions::quirks.
Result<std::vector<VulkanQuirk>> AllQuirks(const BackendOptions& options,
                                           const VulkanOptions& vulkan) {
  std::vector<VulkanQuirk> quirks = vulkan.quirks;
  if (options.vulkan_quirks_json.empty()) return quirks;
  const nlohmann::json json = nlohmann::json::parse(options.vulkan_quirks_json, nullptr, false);
  if (json.is_discarded()) {
    return InvalidArgument("the variant's vulkan_quirks is not valid JSON: '",
                           options.vulkan_quirks_json.substr(0, 80), "'; expected a list");
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<VulkanQuirk> variant,
                        ParseVulkanQuirks(json, "the variant's vulkan_quirks"));
  quirks.insert(quirks.end(), variant.begin(), variant.end());
  return quirks;
}

// VulkanOptions::precision, else the variant's when it is fp16 or fp32 (int8 variants run
// their model's own precision), else $MOTA_VULKAN_PRECISION.
std::string ChoosePrecisionOption(const BackendOptions& options, const VulkanOptions& vulkan) {
  if (!vulkan.precision.empty()) return vulkan.precision;
  if (options.precision == "fp16" || options.precision == "fp32") return options.precision;
  if (const char* env = std::getenv("MOTA_VULKAN_PRECISION"); env != nullptr) return env;
  return "";
}

class Backend final : public VulkanBackend {
 public:
  Backend(const BackendOptions& options, const VulkanOptions& vulkan) {
    auto quirks = AllQuirks(options, vulkan);
    if (!quirks.ok()) {
      status_ = quirks.status();
      return;
    }
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
    const char* time_runs = std::getenv("MOTA_VULKAN_TIME_RUNS");
    shared_->time_runs =
        vulkan.time_runs || (time_runs != nullptr && std::string(time_runs) == "1");
    ApplyWorkgroupSize(options.vulkan_workgroup_size);
    status_ = ApplyTuning(options, vulkan);
    if (!status_.ok()) return;
    status_ = ApplyQuirks(*quirks);
    if (!status_.ok()) return;
    precision_ = ChoosePrecisionOption(options, vulkan);
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

  Result<VulkanStats> Decide(const model::Graph& graph, std::span<const Shape> input_shapes,
                             std::span<const TensorView> known_inputs) const override {
    MOTA_RETURN_IF_ERROR(status_);
    MOTA_RETURN_IF_ERROR(shared_->lost);
    PlanOptions options;
    options.known_inputs = known_inputs;
    MOTA_ASSIGN_OR_RETURN(ExecutionPlan plan, PlanExecution(graph, input_shapes, options));
    MOTA_ASSIGN_OR_RETURN(const Placement placement,
                          PlaceNodes(graph, plan, shared_->ctx->info(), shared_->tuning,
                                     shared_->cpu_threads, shared_->cost_policy));
    VulkanStats stats;
    const Precision precision = ChoosePrecision(graph);
    stats.fp16 = precision.fp16;
    stats.precision = precision.reason;
    SetPlacementStats(graph, plan, placement, &stats);
    return stats;
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
  const std::vector<std::string>& parameter_notes() const override { return parameter_notes_; }

 private:
  // The variant's workgroup size for this GPU family (its vendor's entry, else "default") as
  // tuning parameters: x*y*z threads for the 1-D kernels (elementwise_wg, reduce_wg) and, for a
  // square x == y, x for gemm_tile. A value the device cannot run is skipped and noted: a hint
  // costs speed, never correctness (target_custom.h).
  void ApplyWorkgroupSize(const std::map<std::string, std::array<int64_t, 3>>& sizes) {
    if (sizes.empty()) return;
    char family[16];
    std::snprintf(family, sizeof(family), "0x%04x", shared_->ctx->info().vendor_id);
    auto it = sizes.find(family);
    if (it == sizes.end()) it = sizes.find("default");
    if (it == sizes.end()) {
      parameter_notes_.push_back(StrCat("workgroup_size: no entry for ", family,
                                        " or default; the vendor defaults apply"));
      return;
    }
    const auto& [x, y, z] = it->second;
    std::vector<std::string> keys = {StrCat("elementwise_wg=", x * y * z),
                                     StrCat("reduce_wg=", x * y * z)};
    if (x == y && z == 1) keys.push_back(StrCat("gemm_tile=", x));
    const std::string source =
        StrCat("workgroup_size[", it->first, "] = [", x, ", ", y, ", ", z, "]");
    for (const std::string& key : keys) {
      Status s = ApplyTuningParameters(key, shared_->ctx->info(), &shared_->tuning);
      parameter_notes_.push_back(s.ok() ? StrCat(source, " -> ", key)
                                        : StrCat(source, ": ", key, " skipped: ", s.message()));
    }
    if (x != y || z != 1) {
      parameter_notes_.push_back(
          StrCat(source, ": not square, gemm_tile keeps ", shared_->tuning.gemm_tile));
    }
  }

  // VulkanOptions::tuning, else the variant's vulkan_tuning, else $MOTA_VULKAN_TUNING. The
  // caller's own string (options, environment) must be valid for this device; the variant's is
  // a hint like its workgroup_size: one this device cannot run, or with a key of a newer
  // packager, is skipped whole and noted, and the vendor defaults apply (a variant's self-test
  // must not fail over a speed hint).
  Status ApplyTuning(const BackendOptions& options, const VulkanOptions& vulkan) {
    const DeviceInfo& d = shared_->ctx->info();
    if (vulkan.tuning.empty() && !options.vulkan_tuning.empty()) {
      Status s = ApplyTuningParameters(options.vulkan_tuning, d, &shared_->tuning);
      if (!s.ok()) {
        parameter_notes_.push_back(StrCat("vulkan_tuning '", options.vulkan_tuning,
                                          "' skipped: ", s.message()));
      }
      return Status::Ok();
    }
    std::string tuning = vulkan.tuning;
    if (tuning.empty()) {
      if (const char* env = std::getenv("MOTA_VULKAN_TUNING"); env != nullptr) tuning = env;
    }
    return ApplyTuningParameters(tuning, d, &shared_->tuning);
  }

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
          // A hint like the variant's tuning: one this device cannot run is skipped, noted.
          Status s = ApplyTuningParameters(q.tuning, d, &shared_->tuning);
          if (!s.ok()) {
            applied_quirks_.back() += StrCat(" (skipped: ", s.message(), ")");
            parameter_notes_.push_back(
                StrCat("tuning quirk '", q.reason, "' skipped: ", s.message()));
          }
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
  std::vector<std::string> parameter_notes_;  // how the variant's workgroup size was applied
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
