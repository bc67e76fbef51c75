// The Vulkan backend's precision choice (fp16 where the model asks and the device can), driver
// quirks from the variant's metadata, and the faults that send a Session to the CPU: a lost
// device (injected), out of device memory (injected), a pipeline the driver rejects (injected)
// and a quirk that disables the backend.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "exec/session.h"
#include "exec/vulkan/vk_executable.h"
#include "exec/vulkan/vk_memory.h"
#include "exec/vulkan/vk_pipelines.h"
#include "exec/vulkan/vk_quirks.h"
#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

// One 3x3 convolution with a fused Relu: a single GPU segment, one dispatch.
struct ConvCase {
  std::vector<Arg> args = {In(RandomF32({1, 8, 12, 12}, 300)), Const(RandomF32({16, 8, 3, 3}, 301)),
                           Const(RandomF32({16}, 302))};
  std::vector<TensorView> feeds;
  model::Graph graph;
  explicit ConvCase(const std::string& precision = "") {
    model::Attributes attrs;
    attrs.SetInts("pads", {1, 1, 1, 1});
    attrs.SetString("activation", "Relu");
    graph = OneNodeGraph("Conv", attrs, args, 1, &feeds);
    graph.metadata.precision = precision;
  }
  std::vector<Shape> Shapes() const { return {feeds[0].shape}; }
  std::vector<HostTensor> Reference() const {
    auto reference = CreateBackend("reference", {});
    auto r = RunGraph(**reference, graph, feeds);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r->outputs) : std::vector<HostTensor>{};
  }
};

// K = 72 products in [-1, 1]: fp16 rounding of inputs, weights, products and 16-deep partial
// sums (vulkan_ops_test.cc derives these).
constexpr double kF16Atol = 1e-2, kF16Rtol = 1e-2;
constexpr double kF32Atol = 1e-5, kF32Rtol = 1e-4;

// The ConvCase on `backend` matches the reference within fp32 tolerance.
void ExpectConvRunsInF32Tolerance(Backend& backend) {
  ConvCase c;
  auto got = RunGraph(backend, c.graph, c.feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_LE(WorstRatio(got->outputs[0], c.Reference()[0], kF32Atol, kF32Rtol), 1.0);
}

std::unique_ptr<VulkanBackend> Fresh(VulkanOptions options = {}) {
  options.cache_path = "none";
  return CreateVulkanBackend({}, options);
}

bool DeviceHasFp16() {
  return SharedBackend().device().shader_float16 && SharedBackend().device().storage_16bit;
}

// ---- precision --------------------------------------------------------------------------------

TEST(VulkanPrecision, an_fp16_model_runs_in_fp16_where_the_device_has_it) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c("fp16");
  auto got = RunGraph(SharedBackend(), c.graph, c.feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  if (!DeviceHasFp16()) {
    EXPECT_FALSE(got->stats.fp16);
    EXPECT_NE(got->stats.precision.find("the device lacks"), std::string::npos)
        << got->stats.precision;
    GTEST_SKIP() << SharedBackend().device().name << " has no fp16: " << got->stats.precision;
  }
  EXPECT_TRUE(got->stats.fp16) << got->stats.precision;
  EXPECT_EQ(got->stats.precision, "fp16: model precision 'fp16'");
  EXPECT_LE(WorstRatio(got->outputs[0], c.Reference()[0], kF16Atol, kF16Rtol), 1.0);
  // fp16 really changed the arithmetic: the outputs are not the fp32 ones bit for bit.
  ConvCase f32("fp32");
  auto exact = RunGraph(SharedBackend(), f32.graph, f32.feeds);
  ASSERT_TRUE(exact.ok());
  EXPECT_FALSE(exact->stats.fp16);
  EXPECT_GT(WorstRatio(got->outputs[0], exact->outputs[0], 1e-30, 0), 0.0);
}

TEST(VulkanPrecision, fp32_model_stays_fp32_and_an_fp32_request_overrides_an_fp16_model) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase f32("fp32");
  auto got = RunGraph(SharedBackend(), f32.graph, f32.feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(got->stats.fp16);
  EXPECT_EQ(got->stats.precision, "fp32: model precision 'fp32'");
  VulkanOptions options;
  options.precision = "fp32";
  auto backend = Fresh(options);
  ConvCase f16("fp16");
  auto forced = RunGraph(*backend, f16.graph, f16.feeds);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_FALSE(forced->stats.fp16);
  EXPECT_EQ(forced->stats.precision, "fp32: asked for fp32");
  EXPECT_LE(WorstRatio(forced->outputs[0], f16.Reference()[0], kF32Atol, kF32Rtol), 1.0);
}

TEST(VulkanPrecision, a_device_without_fp16_features_runs_fp32_and_says_so) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.precision = "fp16";
  options.context.fp16_features = false;  // as a device without shaderFloat16 reports
  auto backend = Fresh(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_FALSE(backend->device().shader_float16);
  ConvCase c("fp16");
  auto got = RunGraph(*backend, c.graph, c.feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(got->stats.fp16);
  EXPECT_EQ(got->stats.precision, "fp32: asked for fp16 but the device lacks shaderFloat16");
  EXPECT_LE(WorstRatio(got->outputs[0], c.Reference()[0], kF32Atol, kF32Rtol), 1.0);
}

TEST(VulkanPrecision, an_unknown_precision_is_rejected_with_its_value) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.precision = "fp8";
  auto backend = Fresh(options);
  EXPECT_EQ(backend->status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(backend->status().message().find("'fp8'"), std::string::npos);
}

// ---- quirks -----------------------------------------------------------------------------------

nlohmann::json QuirkFor(uint32_t vendor, const std::string& action, nlohmann::json driver = {}) {
  nlohmann::json gpu = {{"vendor_ids", {vendor}}};
  if (!driver.is_null()) gpu["driver_version"] = driver;
  nlohmann::json q = {{"when", {{"gpu", gpu}}}, {"action", action}, {"reason", "test " + action}};
  if (action == "tuning") q["tuning"] = "gemm_tile=8";
  return q;
}

std::vector<VulkanQuirk> Parse(std::vector<nlohmann::json> entries) {
  auto quirks = ParseVulkanQuirks(nlohmann::json(entries), "variant.vulkan_quirks");
  EXPECT_TRUE(quirks.ok()) << quirks.status().ToString();
  return quirks.ok() ? std::move(quirks).value() : std::vector<VulkanQuirk>{};
}

TEST(VulkanQuirks, malformed_entries_are_rejected_naming_the_field) {
  const auto error = [](const nlohmann::json& list) {
    auto q = ParseVulkanQuirks(list, "q");
    EXPECT_FALSE(q.ok());
    return q.status().message();
  };
  EXPECT_NE(error(nlohmann::json::object()).find("expected a list"), std::string::npos);
  nlohmann::json bad = QuirkFor(0x10de, "disable_fp16");
  bad["action"] = "disable_everything";
  EXPECT_NE(
      error(nlohmann::json::array({bad})).find("q[0].action: unknown action 'disable_everything'"),
      std::string::npos);
  bad = QuirkFor(0x10de, "disable_fp16");
  bad["when"]["os"] = {"android"};
  EXPECT_NE(error(nlohmann::json::array({bad})).find("only have `gpu`"), std::string::npos);
  bad = QuirkFor(0x10de, "disable_fp16");
  bad.erase("reason");
  EXPECT_NE(error(nlohmann::json::array({bad})).find("q[0].reason"), std::string::npos);
  bad = QuirkFor(0x10de, "tuning");
  bad.erase("tuning");
  EXPECT_NE(error(nlohmann::json::array({bad})).find("q[0].tuning"), std::string::npos);
  bad = QuirkFor(0x10de, "disable_fp16");
  bad["when"]["gpu"]["driver_version"] = {{"max", "not.a.version"}};
  EXPECT_FALSE(ParseVulkanQuirks(nlohmann::json::array({bad}), "q").ok());
}

TEST(VulkanQuirks, match_by_vendor_and_decoded_driver_range) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const DeviceInfo& d = SharedBackend().device();
  const std::string text = QuirkDeviceText(d);  // "... driver <version>"
  const std::string version = text.substr(text.rfind(' ') + 1);
  EXPECT_TRUE(QuirkApplies(Parse({QuirkFor(d.vendor_id, "disable_fp16")})[0], d));
  EXPECT_FALSE(QuirkApplies(Parse({QuirkFor(d.vendor_id + 1, "disable_fp16")})[0], d));
  const nlohmann::json exactly = {{"min", version}, {"max", version}};
  EXPECT_TRUE(QuirkApplies(Parse({QuirkFor(d.vendor_id, "disable_fp16", exactly)})[0], d));
  const nlohmann::json older = {{"max", "0.0.0"}};  // lavapipe reports 0.0.1
  EXPECT_FALSE(QuirkApplies(Parse({QuirkFor(d.vendor_id, "disable_fp16", older)})[0], d))
      << version;
}

TEST(VulkanQuirks, disable_backend_makes_prepare_incompatible_with_the_reason) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.quirks = Parse({QuirkFor(SharedBackend().device().vendor_id + 1, "disable_fp16"),
                          QuirkFor(SharedBackend().device().vendor_id, "disable_backend")});
  auto backend = Fresh(options);
  EXPECT_EQ(backend->status().code(), StatusCode::kIncompatible);
  EXPECT_NE(backend->status().message().find("test disable_backend"), std::string::npos);
  ConvCase c;
  auto exe = backend->Prepare(c.graph, c.Shapes(), {});
  EXPECT_EQ(exe.status().code(), StatusCode::kIncompatible);
  ASSERT_EQ(backend->applied_quirks().size(), 1u);  // the other vendor's quirk did not apply
  EXPECT_EQ(backend->applied_quirks()[0], "disable_backend: test disable_backend");
}

TEST(VulkanQuirks, disable_fp16_keeps_an_fp16_model_in_fp32) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.precision = "fp16";
  options.quirks = Parse({QuirkFor(SharedBackend().device().vendor_id, "disable_fp16")});
  auto backend = Fresh(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  ConvCase c("fp16");
  auto got = RunGraph(*backend, c.graph, c.feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_FALSE(got->stats.fp16);
  if (DeviceHasFp16()) {
    EXPECT_EQ(got->stats.precision,
              "fp32: asked for fp16 but a quirk disables fp16: test disable_fp16");
  }
  EXPECT_LE(WorstRatio(got->outputs[0], c.Reference()[0], kF32Atol, kF32Rtol), 1.0);
}

TEST(VulkanQuirks, a_tuning_quirk_overrides_the_variants_tuning) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.tuning = "gemm_tile=4";
  options.quirks = Parse({QuirkFor(SharedBackend().device().vendor_id, "tuning")});
  auto backend = Fresh(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("gemm_tile=8"), std::string::npos) << backend->tuning();
  ExpectConvRunsInF32Tolerance(*backend);
}

TEST(VulkanQuirks, a_tuning_quirk_the_device_cannot_run_is_skipped_with_a_note) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.tuning = "gemm_tile=4";
  nlohmann::json quirk = QuirkFor(SharedBackend().device().vendor_id, "tuning");
  quirk["tuning"] = "reduce_wg=32,gemm_tile=64";  // 4096 threads per workgroup
  options.quirks = Parse({quirk});
  auto backend = Fresh(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("gemm_tile=4"), std::string::npos) << backend->tuning();
  EXPECT_EQ(backend->tuning().find("reduce_wg=32"), std::string::npos) << backend->tuning();
  ASSERT_EQ(backend->applied_quirks().size(), 1u);
  EXPECT_NE(backend->applied_quirks()[0].find("(skipped: "), std::string::npos)
      << backend->applied_quirks()[0];
  ASSERT_FALSE(backend->parameter_notes().empty());
  EXPECT_NE(backend->parameter_notes().back().find("tuning quirk"), std::string::npos);
  ExpectConvRunsInF32Tolerance(*backend);
}

TEST(VulkanWait, polling_the_fence_before_blocking_gives_the_same_outputs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c;
  VulkanOptions options;
  options.spin_wait_us = 200000;  // long enough that lavapipe finishes while it polls
  auto spinning = Fresh(options);
  auto blocking = Fresh();
  for (int i = 0; i < 3; ++i) {
    auto a = RunGraph(*spinning, c.graph, c.feeds);
    auto b = RunGraph(*blocking, c.graph, c.feeds);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(WorstRatio(a->outputs[0], b->outputs[0], 1e-30, 0), 0.0);
  }
}

// ---- injected faults --------------------------------------------------------------------------

TEST(VulkanFaults, a_lost_device_fails_this_and_every_later_run_and_prepare) {
  MOTA_SKIP_WITHOUT_VULKAN();
  auto backend = Fresh();
  ConvCase c;
  auto exe = backend->Prepare(c.graph, c.Shapes(), {});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  HostTensor out = HostTensor::Allocate(DType::kF32, (*exe)->output_shapes()[0]);
  const TensorView outs[] = {out.view()};
  ASSERT_TRUE((*exe)->Run(c.feeds, outs).ok());
  LoseDeviceForTesting(0);
  Status lost = (*exe)->Run(c.feeds, outs);
  LoseDeviceForTesting(-1);
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable);
  EXPECT_NE(lost.message().find("VK_ERROR_DEVICE_LOST"), std::string::npos) << lost.ToString();
  EXPECT_EQ((*exe)->Run(c.feeds, outs).code(), StatusCode::kUnavailable);
  EXPECT_EQ(backend->Prepare(c.graph, c.Shapes(), {}).status().code(), StatusCode::kUnavailable);
}

TEST(VulkanFaults, a_pipeline_the_driver_rejects_is_unavailable_naming_the_shader) {
  MOTA_SKIP_WITHOUT_VULKAN();
  auto backend = Fresh();
  ConvCase c;
  FailPipelineCreationForTesting(0);
  auto exe = backend->Prepare(c.graph, c.Shapes(), {});
  FailPipelineCreationForTesting(-1);
  EXPECT_EQ(exe.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(exe.status().message().find("shader 'conv_gemm"), std::string::npos)
      << exe.status().ToString();
  EXPECT_TRUE(backend->Prepare(c.graph, c.Shapes(), {}).ok());  // not sticky
}

// A session over [a fresh Vulkan backend, the reference backend].
std::unique_ptr<Session> GpuThenCpu(const model::Graph& g, VulkanOptions options = {}) {
  std::vector<std::unique_ptr<Backend>> backends;
  backends.push_back(Fresh(std::move(options)));
  backends.push_back(CreateBackend("reference", {}).value());
  return Session::Create(g, std::move(backends)).value();
}

void ExpectCorrect(Session& s, const ConvCase& c, const std::string& backend) {
  auto out = s.Run(c.feeds);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_STREQ(s.backend().name(), backend.c_str());
  EXPECT_LE(WorstRatio((*out)[0], c.Reference()[0], kF32Atol, kF32Rtol), 1.0);
}

TEST(VulkanFallback, device_lost_mid_session_reruns_on_the_cpu_and_stays_there) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c;
  auto session = GpuThenCpu(c.graph);
  ExpectCorrect(*session, c, "vulkan");
  LoseDeviceForTesting(0);
  ExpectCorrect(*session, c, "reference");  // this Run: lost on the GPU, answered by the CPU
  LoseDeviceForTesting(-1);
  ExpectCorrect(*session, c, "reference");
  ASSERT_EQ(session->fallbacks().size(), 1u);
  EXPECT_NE(session->fallbacks()[0].find("VK_ERROR_DEVICE_LOST"), std::string::npos)
      << session->fallbacks()[0];
}

TEST(VulkanFallback, out_of_device_memory_at_prepare_runs_on_the_cpu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c;
  auto session = GpuThenCpu(c.graph);
  FailDeviceAllocationForTesting(0);
  ExpectCorrect(*session, c, "reference");
  FailDeviceAllocationForTesting(-1);
  ASSERT_EQ(session->fallbacks().size(), 1u);
  EXPECT_NE(session->fallbacks()[0].find("OUT_OF_MEMORY"), std::string::npos);
}

TEST(VulkanFallback, a_rejected_pipeline_at_prepare_runs_on_the_cpu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c;
  auto session = GpuThenCpu(c.graph);
  FailPipelineCreationForTesting(0);
  ExpectCorrect(*session, c, "reference");
  FailPipelineCreationForTesting(-1);
  EXPECT_NE(session->fallbacks().at(0).find("vkCreateComputePipelines"), std::string::npos);
}

TEST(VulkanFallback, a_quirk_disabling_the_backend_runs_on_the_cpu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  ConvCase c;
  VulkanOptions options;
  options.quirks = Parse({QuirkFor(SharedBackend().device().vendor_id, "disable_backend")});
  auto session = GpuThenCpu(c.graph, options);
  ExpectCorrect(*session, c, "reference");
  EXPECT_NE(session->fallbacks().at(0).find("INCOMPATIBLE"), std::string::npos)
      << session->fallbacks()[0];
}

TEST(VulkanFallback, preference_list_by_name_uses_the_gpu_when_it_works) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // "vulkan" by name saves its pipeline cache in $MOTA_VULKAN_CACHE_DIR: a folder of our own.
  char dir[] = "/tmp/mota_vk_fallback_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  setenv("MOTA_VULKAN_CACHE_DIR", dir, 1);
  ConvCase c;
  auto session = Session::CreatePreferred(c.graph, {"vulkan"}, {.threads = 1});
  unsetenv("MOTA_VULKAN_CACHE_DIR");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectCorrect(**session, c, "vulkan");
  EXPECT_TRUE((*session)->fallbacks().empty());
  session->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mota::exec::vk::testing
