// The ONNX backend conformance cases on the Vulkan backend (lavapipe in CI), for the ops it
// supports: every case the converter accepts runs through one shared Vulkan backend (cost model
// off, so every node a Vulkan op accepts really runs on the GPU), with the CPU conformance
// tolerances. A case where no node ran on the GPU is skipped, with the first CPU reason.
//
// vulkan_cases.txt lists, per case, "gpu" (passes with N of M nodes on the GPU) or "cpu" (no
// node on the GPU: why). CI fails when a case fails, when a listed GPU case stops running on the
// GPU, or when the outcome of any case differs from the list. Regenerate after a change that
// moves cases (then review the diff):
//   MOTA_CONFORMANCE_WRITE_VULKAN=1 build/tests/conformance/mota_vulkan_conformance_tests
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "base/file.h"
#include "exec/backend.h"
#include "exec/vulkan/vulkan_backend.h"
#include "tests/conformance/conformance.h"

namespace mota::conformance {
namespace {

const char* kCasesPath = MOTA_SOURCE_DIR "/tests/conformance/vulkan_cases.txt";

// One device for the whole run (opening one per case is slow on lavapipe).
exec::vk::VulkanBackend& Shared() {
  static exec::vk::VulkanBackend* backend = [] {
    exec::vk::VulkanOptions options;
    options.cache_path = "none";
    options.cost_policy = exec::vk::CostPolicy::kOff;
    return exec::vk::CreateVulkanBackend({}, options).release();
  }();
  return *backend;
}

// What the executables prepared for the current case ran where (summed over Prepares).
struct Placement {
  int gpu_nodes = 0, cpu_nodes = 0;
  std::string first_cpu_reason;
};
Placement placement;

// Whether some node reads graph input `i` as its first input (the data, not a parameter).
bool IsData(const model::Graph& graph, size_t i) {
  for (const model::Node& n : graph.nodes) {
    if (!n.inputs.empty() && n.inputs[0] == graph.inputs[i]) return true;
  }
  return false;
}

// "vulkan-conformance": forwards to Shared() and records each executable's placement. Session
// binds every small input at prepare time when a shape depends on one (the cases feed scales,
// pads, ... as inputs), which would fold the whole case into prepare-time work on the CPU; only
// the parameters stay bound here (all of them again where a shape needs a data input's value),
// so the op under test runs on the device.
class Recording final : public exec::Backend {
 public:
  const char* name() const override { return "vulkan"; }
  bool Supports(const model::Graph& g, const model::Node& n) const override {
    return Shared().Supports(g, n);
  }
  Result<std::unique_ptr<exec::Executable>> Prepare(
      const model::Graph& graph, std::span<const Shape> shapes,
      std::span<const exec::TensorView> known) override {
    std::vector<exec::TensorView> params(known.begin(), known.end());
    for (size_t i = 0; i < params.size() && i < graph.inputs.size(); ++i) {
      if (IsData(graph, i)) params[i] = {};
    }
    auto prepared = Shared().Prepare(graph, shapes, params);
    if (!prepared.ok() && prepared.status().code() == StatusCode::kUnimplemented) {
      prepared = Shared().Prepare(graph, shapes, known);  // a shape needs a data input's value
    }
    MOTA_ASSIGN_OR_RETURN(auto exe, std::move(prepared));
    const exec::vk::VulkanStats& s = static_cast<exec::vk::VulkanExecutable&>(*exe).stats();
    placement.gpu_nodes += s.gpu_nodes;
    placement.cpu_nodes += s.cpu_nodes;
    if (placement.first_cpu_reason.empty() && !s.cpu_reasons.empty()) {
      placement.first_cpu_reason = s.cpu_reasons[0];
    }
    return exe;
  }
};

std::unique_ptr<exec::Backend> MakeRecording(const exec::BackendOptions&) {
  return std::make_unique<Recording>();
}
MOTA_REGISTER_BACKEND(vulkan_conformance, "vulkan-conformance", MakeRecording);

// Case id -> "gpu" or "cpu", from vulkan_cases.txt.
std::map<std::string, std::string> ReadExpected() {
  std::map<std::string, std::string> cases;
  std::ifstream in(kCasesPath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    const size_t kind = line.find_first_not_of(' ', space);
    cases[line.substr(0, space)] = line.substr(kind, 3);
  }
  return cases;
}

std::string OneLine(std::string s) {
  for (char& c : s) c = (c == '\n' ? ' ' : c);
  return s.size() > 240 ? s.substr(0, 240) + "..." : s;
}

TEST(VulkanConformance, supported_cases_pass_on_the_gpu) {
  if (!Shared().status().ok()) {
    GTEST_SKIP() << "no Vulkan device (install mesa-vulkan-drivers): "
                 << Shared().status().ToString();
  }
  const std::vector<std::string> ids =
      ListCases(MOTA_TESTDATA_DIR, {"node", "pytorch-converted", "pytorch-operator", "simple"});
  ASSERT_GT(ids.size(), 900u) << "libonnx-testdata not found under " << MOTA_TESTDATA_DIR;
  const std::map<std::string, std::string> expected = ReadExpected();
  int gpu = 0, cpu = 0, failed = 0, unconverted = 0;
  std::string list =
      "# ONNX backend test cases on the Vulkan backend (tests/conformance/"
      "vulkan_conformance_test.cc).\n# gpu: passes with N of M nodes on the GPU; cpu: no node "
      "ran on the GPU (the first reason). Cases the converter skips are in expected_skips.txt.\n"
      "# Regenerate: MOTA_CONFORMANCE_WRITE_VULKAN=1 "
      "build/tests/conformance/mota_vulkan_conformance_tests\n";
  for (const std::string& id : ids) {
    placement = {};
    const CaseResult r = RunCase(MOTA_TESTDATA_DIR, id, "vulkan-conformance", {});
    if (r.outcome == Outcome::kSkipped) {
      ++unconverted;
      continue;
    }
    const auto want = expected.find(id);
    const std::string listed = want == expected.end() ? "unlisted" : want->second;
    if (r.outcome == Outcome::kFailed) {
      ++failed;
      ADD_FAILURE() << id << " FAILED on Vulkan (" << placement.gpu_nodes << " GPU nodes): "
                    << OneLine(r.detail);
      continue;
    }
    const int total = placement.gpu_nodes + placement.cpu_nodes;
    const std::string kind = placement.gpu_nodes > 0 ? "gpu" : "cpu";
    if (total == 0) placement.first_cpu_reason = "every node was computed at prepare time";
    (kind == "gpu" ? gpu : cpu) += 1;
    EXPECT_EQ(kind, listed) << id << " ran " << placement.gpu_nodes << " of " << total
                            << " nodes on the GPU; vulkan_cases.txt says " << listed << ": "
                            << OneLine(placement.first_cpu_reason);
    list += id + "  " + kind + "  # " +
            (kind == "gpu" ? std::to_string(placement.gpu_nodes) + " of " +
                                 std::to_string(total) + " nodes on the GPU"
                           : OneLine(placement.first_cpu_reason)) +
            "\n";
  }
  std::printf("vulkan conformance: %d passed on the GPU, %d passed with no node on the GPU, "
              "%d failed, %d not converted\n",
              gpu, cpu, failed, unconverted);
  if (std::getenv("MOTA_CONFORMANCE_WRITE_VULKAN") != nullptr) {
    ASSERT_TRUE(WriteFileAtomic(kCasesPath, list).ok());
  }
}

}  // namespace
}  // namespace mota::conformance
