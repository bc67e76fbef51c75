// A bench tool in test form: the GPU time of every dispatch of a .mota model, for tuning on a
// real GPU where the models test's ONNX files are not at hand (bench/vulkan/run_gpu.sh):
//   MOTA_VULKAN_PROFILE_MODEL=resnet18.mota mota_vulkan_tests --gtest_filter='VulkanProfile*'
// (MOTA_VULKAN_PRECISION=fp32 for the fp32 variants of an fp16 model).
// Skipped unless MOTA_VULKAN_PROFILE_MODEL is set.
// The tail test: where the slowest 1% of steady runs lose their time (host phases, GPU time):
//   MOTA_VULKAN_TAIL_MODEL=resnet18.mota [MOTA_VULKAN_TAIL_RUNS=5000] [MOTA_VULKAN_TAIL_WARMUP=2000]
//   mota_vulkan_tests --gtest_filter='VulkanTail*'
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "exec/session.h"
#include "exec/vulkan/vulkan_test_util.h"
#include "model/loader.h"

namespace mota::exec::vk::testing {
namespace {

// A model loaded and prepared on the shared device with random inputs and preallocated outputs.
struct Prepared {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<Session> session;
  Executable* exe = nullptr;
  std::vector<HostTensor> inputs, outputs;
  std::vector<TensorView> feeds, views;
  Status Run() { return exe->Run(feeds, views); }
};

void Prepare(const char* path, const VulkanOptions& options, Prepared* p) {
  auto model = model::Model::Load(path);
  ASSERT_TRUE(model.ok()) << path << ": " << model.status().ToString();
  p->model = std::move(*model);
  auto session = Session::Create(p->model->graph(), CreateVulkanBackend({}, options));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  p->session = std::move(*session);
  const model::Graph& g = p->session->graph();
  std::vector<Shape> shapes;
  for (int32_t t : g.inputs) {
    p->inputs.push_back(RandomF32(g.tensors[t].StaticShape(), 1));
    shapes.push_back(p->inputs.back().shape());
  }
  for (const HostTensor& t : p->inputs) p->feeds.push_back(t.view());
  auto exe = p->session->Prepare(shapes);
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  p->exe = *exe;
  for (size_t i = 0; i < p->exe->output_shapes().size(); ++i) {
    p->outputs.push_back(
        HostTensor::Allocate(p->exe->output_dtypes()[i], p->exe->output_shapes()[i]));
    p->views.push_back(p->outputs.back().view());
  }
}

TEST(VulkanProfile, every_dispatch_of_a_mota_file) {
  const char* path = std::getenv("MOTA_VULKAN_PROFILE_MODEL");
  if (path == nullptr) GTEST_SKIP() << "set MOTA_VULKAN_PROFILE_MODEL=<model.mota> to profile it";
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.cache_path = "none";
  options.profile = true;
  Prepared p;
  ASSERT_NO_FATAL_FAILURE(Prepare(path, options, &p));
  constexpr int kRuns = 20;
  for (int r = 0; r < kRuns; ++r) ASSERT_TRUE(p.Run().ok());
  const auto& vk = static_cast<VulkanExecutable&>(*p.exe);
  const VulkanStats& s = vk.stats();
  std::printf("[ profile  ] %s on %s: %s; %d dispatches, %d barriers\n", path,
              SharedBackend().device().name.c_str(), s.precision.c_str(), s.dispatches, s.barriers);
  double total = 0;
  std::map<std::string, double> by_shader;
  for (const DispatchProfile& d : vk.profile()) {
    total += d.total_ms / kRuns;
    by_shader[d.shader] += d.total_ms / kRuns;
  }
  std::printf("[ profile  ] GPU time per run %.3f ms (sum of dispatch steps)\n", total);
  for (const auto& [shader, ms] : by_shader) {
    std::printf("[ profile  ]   %-22s %.3f ms\n", shader.c_str(), ms);
  }
  std::vector<DispatchProfile> slowest = vk.profile();
  std::sort(slowest.begin(), slowest.end(),
            [](const auto& a, const auto& b) { return a.total_ms > b.total_ms; });
  for (size_t i = 0; i < std::min<size_t>(slowest.size(), 12); ++i) {
    std::printf("[ profile  ]   %.3f ms %s (%s)\n", slowest[i].total_ms / kRuns,
                slowest[i].node.c_str(), slowest[i].shader.c_str());
  }
  EXPECT_FALSE(vk.profile().empty()) << "the device has no timestamps";
}


int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::atoi(v);
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// One column per phase: its median, p99 and max over all runs, and its mean over the runs at or
// above the p99 of the whole run, so the excess of the slow runs shows where it comes from.
void PrintPhases(const std::vector<RunTiming>& runs, const std::vector<double>& outer) {
  const double p99 = Percentile(outer, 0.99);
  const std::vector<std::pair<const char*, std::function<double(const RunTiming&)>>> phases = {
      {"total", [](const RunTiming& t) { return t.total_ms; }},
      {"upload", [](const RunTiming& t) { return t.upload_ms; }},
      {"submit", [](const RunTiming& t) { return t.submit_ms; }},
      {"wait", [](const RunTiming& t) { return t.wait_ms; }},
      {"download", [](const RunTiming& t) { return t.download_ms; }},
      {"cpu", [](const RunTiming& t) { return t.cpu_ms; }},
      {"gpu", [](const RunTiming& t) { return t.gpu_ms; }},
      {"gpu copy", [](const RunTiming& t) { return t.gpu_upload_ms; }},
  };
  std::printf("[ tail     ] %-9s %8s %8s %8s %8s %10s\n", "phase", "p50", "p90", "p99", "max",
              "slow mean");
  for (const auto& [name, get] : phases) {
    std::vector<double> v;
    double slow = 0;
    int slow_runs = 0;
    for (size_t i = 0; i < runs.size(); ++i) {
      v.push_back(get(runs[i]));
      if (outer[i] >= p99) {
        slow += v.back();
        ++slow_runs;
      }
    }
    std::printf("[ tail     ] %-9s %8.4f %8.4f %8.4f %8.4f %10.4f\n", name, Percentile(v, 0.5),
                Percentile(v, 0.9), Percentile(v, 0.99), Percentile(v, 1.0),
                slow / std::max(slow_runs, 1));
  }
}

TEST(VulkanTail, where_slow_steady_runs_lose_time) {
  const char* path = std::getenv("MOTA_VULKAN_TAIL_MODEL");
  if (path == nullptr) GTEST_SKIP() << "set MOTA_VULKAN_TAIL_MODEL=<model.mota> to measure it";
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.cache_path = "none";
  options.time_runs = true;
  Prepared p;
  ASSERT_NO_FATAL_FAILURE(Prepare(path, options, &p));
  const auto& vk = static_cast<VulkanExecutable&>(*p.exe);
  for (int i = EnvInt("MOTA_VULKAN_TAIL_WARMUP", 2000); i > 0; --i) ASSERT_TRUE(p.Run().ok());
  const int n = std::max(EnvInt("MOTA_VULKAN_TAIL_RUNS", 5000), 100);
  std::vector<RunTiming> runs;
  std::vector<double> outer, starts;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const Clock::time_point start = Clock::now();
    ASSERT_TRUE(p.Run().ok());
    outer.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    starts.push_back(std::chrono::duration<double, std::milli>(start - t0).count());
    runs.push_back(vk.last_run());
  }
  std::printf("[ tail     ] %s: %s, %d runs, p99/p50 %.2f (outer clock)\n", path,
              vk.stats().precision.c_str(), n, Percentile(outer, 0.99) / Percentile(outer, 0.5));
  PrintPhases(runs, outer);
  // When the slow runs happen: a fixed period points at a timer or a daemon, not the model.
  const double p50 = Percentile(outer, 0.5), p99 = Percentile(outer, 0.99);
  std::string when;
  for (int i = 0, shown = 0; i < n && shown < 24; ++i) {
    if (outer[i] < p99) continue;
    char item[48];
    std::snprintf(item, sizeof(item), " %.1f(+%.2f)", starts[i], outer[i] - p50);
    when += item;
    ++shown;
  }
  std::printf("[ tail     ] slow runs at ms(+excess):%s\n", when.c_str());
  EXPECT_GE(vk.last_run().gpu_ms, 0) << "the device has no timestamps";
}

}  // namespace
}  // namespace mota::exec::vk::testing
