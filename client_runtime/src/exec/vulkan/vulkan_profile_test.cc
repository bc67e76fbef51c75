// A bench tool in test form: the GPU time of every dispatch of a .mota model, for tuning on a
// real GPU where the models test's ONNX files are not at hand (bench/vulkan/run_gpu.sh):
//   MOTA_VULKAN_PROFILE_MODEL=resnet18.mota mota_vulkan_tests --gtest_filter='VulkanProfile*'
// (MOTA_VULKAN_PRECISION=fp32 for the fp32 variants of an fp16 model).
// Skipped unless MOTA_VULKAN_PROFILE_MODEL is set.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "exec/session.h"
#include "exec/vulkan/vulkan_test_util.h"
#include "model/loader.h"

namespace mota::exec::vk::testing {
namespace {

TEST(VulkanProfile, every_dispatch_of_a_mota_file) {
  const char* path = std::getenv("MOTA_VULKAN_PROFILE_MODEL");
  if (path == nullptr) GTEST_SKIP() << "set MOTA_VULKAN_PROFILE_MODEL=<model.mota> to profile it";
  MOTA_SKIP_WITHOUT_VULKAN();
  auto model = model::Model::Load(path);
  ASSERT_TRUE(model.ok()) << path << ": " << model.status().ToString();
  VulkanOptions options;
  options.cache_path = "none";
  options.profile = true;
  auto session = Session::Create((*model)->graph(), CreateVulkanBackend({}, options));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  const model::Graph& g = (*session)->graph();
  std::vector<HostTensor> inputs;
  std::vector<TensorView> feeds;
  std::vector<Shape> shapes;
  for (int32_t t : g.inputs) {
    inputs.push_back(RandomF32(g.tensors[t].StaticShape(), 1));
    shapes.push_back(inputs.back().shape());
  }
  for (const HostTensor& t : inputs) feeds.push_back(t.view());
  auto exe = (*session)->Prepare(shapes);
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  std::vector<HostTensor> outs;
  std::vector<TensorView> views;
  for (size_t i = 0; i < (*exe)->output_shapes().size(); ++i) {
    outs.push_back(HostTensor::Allocate((*exe)->output_dtypes()[i], (*exe)->output_shapes()[i]));
    views.push_back(outs.back().view());
  }
  constexpr int kRuns = 20;
  for (int r = 0; r < kRuns; ++r) ASSERT_TRUE((*exe)->Run(feeds, views).ok());
  const auto& vk = static_cast<VulkanExecutable&>(**exe);
  const VulkanStats& s = vk.stats();
  std::printf("[ profile  ] %s on %s: %s; %d dispatches, %d barriers\n", path,
              SharedBackend().device().name.c_str(), s.precision.c_str(), s.dispatches, s.barriers);
  double total = 0;
  std::map<std::string, double> by_shader;
  for (const DispatchProfile& p : vk.profile()) {
    total += p.total_ms / kRuns;
    by_shader[p.shader] += p.total_ms / kRuns;
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

}  // namespace
}  // namespace mota::exec::vk::testing
