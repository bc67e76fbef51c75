// The Vulkan compute backend ("vulkan"). See README.md in this folder.
//
// Prepare plans shapes (exec/plan.h), then splits the graph's run-time nodes into GPU segments
// (maximal runs of consecutive nodes a Vulkan op accepts, vk_op.h) and CPU steps (the reference
// kernels). Each segment's command buffer is recorded ONCE: uploads of the tensors it reads from
// the CPU side, its dispatches with the barriers their buffer regions need, and downloads of the
// tensors the CPU side or the caller reads. Run replays it. Weights are uploaded at Prepare.
//
// Decide answers where Prepare would run each node (the ops' checks and the cost model, below)
// without making the device plan, so a caller choosing between Vulkan and a CPU backend
// (`mota run --backend auto`) pays for a Vulkan plan only when the model goes to the GPU.
//
// No Vulkan loader or device: Prepare fails with UNAVAILABLE (the caller uses a CPU backend).
// A lost device fails that Run and every later Run and Prepare of the backend with UNAVAILABLE.
// A quirk with disable_backend makes Prepare return INCOMPATIBLE. Session (exec/session.h) falls
// back to the CPU on these.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/vulkan/vk_context.h"
#include "exec/vulkan/vk_cost_model.h"
#include "exec/vulkan/vk_quirks.h"

namespace mota::exec::vk {

struct VulkanOptions {
  ContextOptions context;
  // The pipeline cache file. Empty: <dir>/mota-vulkan-<vendor>-<device>.pipeline-cache with dir
  // $MOTA_VULKAN_CACHE_DIR, else $XDG_CACHE_HOME/mota, else $HOME/.cache/mota (created when
  // missing); "none": in memory only.
  std::string cache_path;
  // Tuning parameters "key=value,..." over the vendor defaults (vk_tuning.h); from the variant's
  // backend parameters. Empty: $MOTA_VULKAN_TUNING, else the defaults.
  std::string tuning;
  // Tests: copy inputs and outputs through the staging buffer even where the activation arena
  // is host-visible (unified memory, lavapipe), so that path is exercised everywhere.
  bool force_staging = false;
  // Time every dispatch with GPU timestamps (VulkanExecutable::profile()); also
  // $MOTA_VULKAN_PROFILE=1. Adds a query pool and two commands per dispatch.
  bool profile = false;
  // Time each Run's GPU segments with two GPU timestamps each (RunTiming::gpu_ms); also
  // $MOTA_VULKAN_TIME_RUNS=1. For finding where slow runs lose their time (the tail benchmark).
  bool time_runs = false;
  // Which partitions the cost model (vk_cost_model.h) sends back to the CPU: kOff (the default)
  // none, every node an op accepts runs on the GPU; kPartitions those that are not the whole
  // model and not worth the GPU (`mota run --backend vulkan`); kModel also the whole model when
  // an all-CPU run is estimated faster (`mota run --backend auto`).
  CostPolicy cost_policy = CostPolicy::kOff;
  // "fp16": fp16 storage and arithmetic where the device has shaderFloat16 and
  // storageBuffer16BitAccess (else fp32, said in VulkanStats::precision); "fp32"; empty:
  // $MOTA_VULKAN_PRECISION, else the model's precision (model::Metadata::precision "fp16" ->
  // fp16; the variant's precision travels there), else fp32. Inputs and outputs stay f32.
  std::string precision;
  // Microseconds Run polls a submission's fence before blocking in vkWaitForFences (whose
  // wake-up adds latency and jitter at ~1 ms per inference on desktop GPUs); it costs a busy
  // CPU core meanwhile. -1: $MOTA_VULKAN_SPIN_US, else 2000 on discrete GPUs (H100: steady
  // median 8-12% lower, bench/vulkan/RESULTS.md), 0 elsewhere (phones: battery).
  int spin_wait_us = -1;
  // Driver quirks from the variant's metadata (vk_quirks.h), applied at creation.
  std::vector<VulkanQuirk> quirks;
};

// The variant's parameters in BackendOptions (the registered "vulkan" factory passes them):
//   precision "fp16"/"fp32"      -> VulkanOptions::precision when that is empty (int8 variants:
//                                   the model's own precision);
//   vulkan_workgroup_size        -> tuning: [x, y, z] of the vendor's family (else "default")
//                                   sets elementwise_wg and reduce_wg to x*y*z and, when square
//                                   (x == y, z == 1), gemm_tile to x; gemm_regs, gemm_shared and
//                                   gemm_min_groups have no workgroup-size counterpart (not
//                                   mapped); values the device cannot run are skipped
//                                   (parameter_notes());
//   vulkan_tuning                -> applied after the workgroup size unless VulkanOptions::tuning
//                                   is set (which replaces it); a hint too: a set the device
//                                   cannot run or with an unknown key is skipped whole and noted
//                                   (parameter_notes()), where VulkanOptions::tuning would fail;
//   vulkan_quirks_json           -> parsed (ParseVulkanQuirks) and appended to
//                                   VulkanOptions::quirks; malformed: status() and Prepare
//                                   are INVALID_ARGUMENT naming "the variant's vulkan_quirks".

// GPU time of one dispatch, summed over runs (profiling).
struct DispatchProfile {
  std::string node;    // the graph node it computes (a fused Add is in its producer's time)
  std::string shader;  // ops/<shader>.comp
  double total_ms = 0;
  int runs = 0;
};

// Where the last Run spent its time, on the calling thread's clock (steady_clock), summed over
// its GPU segments. The host phases are always measured (a few clock reads per segment).
struct RunTiming {
  double upload_ms = 0;    // inputs written to the device (f32 -> fp16 where stored fp16)
  double submit_ms = 0;    // vkQueueSubmit (with the queue lock)
  double wait_ms = 0;      // until the fence signalled (poll, then vkWaitForFences) and reset
  double download_ms = 0;  // outputs read back (fp16 -> f32)
  double cpu_ms = 0;       // CPU nodes between segments
  double total_ms = 0;     // the whole Run
  // GPU time from the first command to the last of every segment (time_runs or profile on and
  // the device has timestamps), else -1.
  double gpu_ms = -1;
  // Of gpu_ms: until the inputs were copied from the staging buffer (host memory) into device
  // memory (about 0 with direct I/O, where nothing is copied), else -1.
  double gpu_upload_ms = -1;
};

// What an executable runs where (tests, `mota run --explain`).
//
// The placement fields (gpu_nodes, view_nodes, cpu_nodes, cpu_reasons, segments, cost,
// cost_report, fp16, precision) are known before any device work and are all that
// VulkanBackend::Decide sets; the others describe the device plan and need Prepare. A plan with
// every node on the CPU has no device plan: those others are then 0 in Prepare's stats too.
struct VulkanStats {
  int gpu_nodes = 0;
  int view_nodes = 0;        // of gpu_nodes: reshapes served without a dispatch
  int in_place_concats = 0;  // of gpu_nodes: Concats whose inputs were written in place
  int fused_adds = 0;        // of gpu_nodes: Adds done in their producer's epilogue
  int cpu_nodes = 0;
  int segments = 0;
  int dispatches = 0;
  int barriers = 0;  // compute-to-compute barriers recorded in all segments
  int uploads = 0;
  int downloads = 0;
  uint64_t weight_bytes = 0;
  uint64_t arena_bytes = 0;
  uint64_t staging_bytes = 0;
  // Unified memory: inputs and outputs are copied straight into / out of the mapped arena (no
  // staging buffer, no copy commands).
  bool direct_io = false;
  // fp16 storage and arithmetic (the "_f16" shader variants) for f32 tensors; callers still
  // pass and get f32 (converted in the uploads and downloads).
  bool fp16 = false;
  // The precision and why: "fp16: ...", "fp32: the device lacks shaderFloat16", ...
  std::string precision;
  std::vector<std::string> cpu_reasons;  // one line per CPU node: why it is not on the GPU
  CostDecision cost;                     // the cost model's estimates and decisions per partition
  std::string cost_report;               // FormatDecision(cost): `mota run --explain`
};

class VulkanExecutable : public Executable {
 public:
  virtual const VulkanStats& stats() const = 0;
  // Per dispatch in execution order; empty unless profiling was on and the device has
  // timestamps.
  virtual const std::vector<DispatchProfile>& profile() const = 0;
  virtual const RunTiming& last_run() const = 0;
};

class VulkanBackend : public Backend {
 public:
  // Ok, or why no device could be opened (Prepare returns it).
  virtual const Status& status() const = 0;
  // Valid when status() is ok.
  virtual const DeviceInfo& device() const = 0;
  virtual std::string tuning() const = 0;
  // How the pipeline cache file was found ("loaded (warm)", "rejected: <why>", ...).
  virtual std::string cache_report() const = 0;
  virtual const std::string& cache_path() const = 0;
  // Where Prepare(graph, input_shapes, known_inputs) would run each node, without preparing:
  // shapes planned (exec/plan.h), then the Vulkan ops' checks and the cost model with this
  // backend's VulkanOptions::cost_policy. Returns VulkanStats' placement fields (see there); the
  // device-plan fields stay 0. No pipeline is compiled, no device or host memory allocated for
  // the model, nothing uploaded or recorded: with CostPolicy::kModel, `whole_model_on_cpu` (and
  // gpu_nodes == 0) costs the caller the shape planning only. The placement is the one a
  // Prepare of the same inputs makes (the same code decides both); only `precision` may differ,
  // where Prepare finds a shader without an fp16 variant and plans in fp32 (never when every
  // node is on the CPU). Errors as Prepare's: UNAVAILABLE without a device or after a lost one,
  // INCOMPATIBLE under a disable_backend quirk, the planner's for bad shapes, a malformed node.
  virtual Result<VulkanStats> Decide(const model::Graph& graph, std::span<const Shape> input_shapes,
                                     std::span<const TensorView> known_inputs) const = 0;
  // Pipelines compiled by this backend so far.
  virtual int pipelines_created() const = 0;
  // One line per quirk that applied to this device: "<action>: <reason>".
  virtual const std::vector<std::string>& applied_quirks() const = 0;
  // One line per tuning parameter taken from BackendOptions::vulkan_workgroup_size:
  // "workgroup_size[0x10005] = [8, 8, 1] -> gemm_tile=8", or why it was skipped; and one for a
  // skipped BackendOptions::vulkan_tuning.
  virtual const std::vector<std::string>& parameter_notes() const = 0;
};

std::unique_ptr<VulkanBackend> CreateVulkanBackend(const BackendOptions& options,
                                                   const VulkanOptions& vulkan = {});

}  // namespace mota::exec::vk
