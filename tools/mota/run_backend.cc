#include "tools/mota/run_backend.h"

#include <utility>

#include "tools/mota/cli_util.h"

#if MOTA_WITH_VULKAN
#include "exec/vulkan/vulkan_backend.h"
#endif

namespace mota::cli {
namespace {

Result<RunBackend> Named(const std::string& name, int threads, std::string note) {
  RunBackend r;
  MOTA_ASSIGN_OR_RETURN(r.backend, exec::CreateBackend(name, {.threads = threads}));
  r.used = r.backend->name();
  r.note = std::move(note);
  return r;
}

#if MOTA_WITH_VULKAN
// The cost model's report, then why each CPU node no op accepts stays there (the cost model's
// own moves are in its partition lines already).
std::string ExplainStats(const exec::vk::VulkanStats& s) {
  std::string text = s.cost_report;
  for (const std::string& why : s.cpu_reasons) {
    if (why.find(": cost model: ") == std::string::npos) text += "  cpu node: " + why + "\n";
  }
  text += "  " + std::to_string(s.gpu_nodes) + " nodes on the GPU in " +
          std::to_string(s.segments) + " segments (" + std::to_string(s.dispatches) +
          " dispatches), " + std::to_string(s.cpu_nodes) + " on the CPU\n";
  return text;
}

// --backend auto with no node on the GPU: the best CPU backend, and why.
Result<RunBackend> OnCpu(const exec::vk::VulkanStats& s, int threads, bool explain) {
  const std::string why = s.cost.whole_model_on_cpu ? "not worth the GPU: " + s.cost.summary
                                                    : "no node runs on the GPU";
  MOTA_ASSIGN_OR_RETURN(RunBackend cpu, Named("auto", threads, why));
  if (explain) cpu.explain = ExplainStats(s);
  return cpu;
}

Result<RunBackend> Vulkan(const model::Graph& graph, std::span<const Shape> shapes, bool automatic,
                          int threads, bool explain) {
  exec::vk::VulkanOptions options;
  options.cost_policy =
      automatic ? exec::vk::CostPolicy::kModel : exec::vk::CostPolicy::kPartitions;
  std::unique_ptr<exec::vk::VulkanBackend> vk =
      exec::vk::CreateVulkanBackend({.threads = threads}, options);
  if (!vk->status().ok()) {
    if (!automatic) return vk->status();
    return Named("auto", threads, "no Vulkan device (" + vk->status().ToString() + "); the CPU");
  }
  if (!automatic && !explain) {
    RunBackend named;
    named.used = "vulkan";
    named.backend = std::move(vk);
    return named;
  }
  if (automatic) {
    // The cost model's whole-model decision first, without a device plan: a model that stays
    // on the CPU costs no pipelines, buffers or uploads (and no Backend::Prepare).
    auto decision = vk->Decide(graph, shapes, {});
    if (!decision.ok()) {
      return Named("auto", threads,
                   "the Vulkan backend cannot plan this model (" + decision.status().ToString() +
                       "); the CPU");
    }
    if (decision->gpu_nodes == 0) return OnCpu(*decision, threads, explain);
  }
  // Plan on the GPU; the session adopts this plan, so it is not planned twice.
  Stopwatch prepare;
  auto exe = vk->Prepare(graph, shapes, {});
  const double prepare_ms = prepare.ElapsedMs();
  if (!exe.ok()) {
    if (!automatic) return exe.status();
    MOTA_ASSIGN_OR_RETURN(RunBackend cpu, Named("auto", threads,
                                                "the Vulkan backend cannot plan this model (" +
                                                    exe.status().ToString() + "); the CPU"));
    cpu.prepares = 1;
    return cpu;
  }
  const exec::vk::VulkanStats& s = static_cast<exec::vk::VulkanExecutable&>(**exe).stats();
  RunBackend r;
  r.explain = explain ? ExplainStats(s) : "";
  if (automatic && s.gpu_nodes == 0) {
    // Not expected after Decide (both place nodes with the same code); kept so that such a
    // model still runs, on the CPU.
    MOTA_ASSIGN_OR_RETURN(RunBackend cpu, OnCpu(s, threads, explain));
    cpu.prepares = 1;  // the plan, thrown away with the Vulkan backend
    return cpu;
  }
  r.used = "vulkan";
  if (automatic) r.note = "worth the GPU: " + s.cost.summary;
  r.prepared = {vk.get(), &graph, {shapes.begin(), shapes.end()}, std::move(exe).value()};
  r.prepare_ms = prepare_ms;
  r.prepares = 1;
  r.backend = std::move(vk);
  return r;
}
#endif

}  // namespace

Result<RunBackend> ChooseRunBackend(const model::Graph& graph, std::span<const Shape> shapes,
                                    const std::string& requested, int threads, bool explain) {
#if MOTA_WITH_VULKAN
  if (requested == "auto" || requested == "vulkan") {
    return Vulkan(graph, shapes, requested == "auto", threads, explain);
  }
#endif
  MOTA_ASSIGN_OR_RETURN(RunBackend r, Named(requested, threads, ""));
  if (explain) r.explain = "backend " + r.used + ": every node runs on it (no partitioning)\n";
  return r;
}

}  // namespace mota::cli
