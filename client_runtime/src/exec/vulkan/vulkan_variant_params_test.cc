// The variant's backend parameters in exec::BackendOptions (precision, workgroup size per GPU
// family, tuning, the `vulkan_quirks` list as JSON) reach the Vulkan backend through the
// registered factory, as the install self-test and mota_model_open pass them.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "exec/session.h"
#include "exec/vulkan/vulkan_backend.h"
#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

// One 3x3 convolution: a single GPU segment.
struct Conv {
  std::vector<Arg> args = {In(RandomF32({1, 8, 12, 12}, 700)), Const(RandomF32({16, 8, 3, 3}, 701)),
                           Const(RandomF32({16}, 702))};
  std::vector<TensorView> feeds;
  model::Graph graph;
  Conv() {
    model::Attributes attrs;
    attrs.SetInts("pads", {1, 1, 1, 1});
    graph = OneNodeGraph("Conv", attrs, args, 1, &feeds);
  }
};

std::string Family(uint32_t vendor) {
  char key[16];
  std::snprintf(key, sizeof(key), "0x%04x", vendor);
  return key;
}

std::string DisableBackendFor(uint32_t vendor) {
  nlohmann::json q = {{"when", {{"gpu", {{"vendor_ids", {vendor}}}}}},
                      {"action", "disable_backend"},
                      {"reason", "compute hangs on this driver"}};
  return nlohmann::json::array({q}).dump();
}

std::unique_ptr<VulkanBackend> Create(const BackendOptions& options) {
  return CreateVulkanBackend(options, {.cache_path = "none"});
}

TEST(VulkanVariantParams, a_disable_backend_quirk_sends_a_preferred_vulkan_session_to_the_cpu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const uint32_t vendor = SharedBackend().device().vendor_id;  // lavapipe: 0x10005 (Mesa)
  Conv c;
  BackendOptions options;
  options.vulkan_quirks_json = DisableBackendFor(vendor);
  auto session = Session::CreatePreferred(c.graph, {"vulkan"}, options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run(c.feeds);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(std::string((*session)->backend().name()), "vulkan");
  ASSERT_EQ((*session)->fallbacks().size(), 1u);
  const std::string& why = (*session)->fallbacks()[0];
  EXPECT_EQ(why.rfind("vulkan: INCOMPATIBLE", 0), 0u) << why;
  EXPECT_NE(why.find("compute hangs on this driver"), std::string::npos) << why;

  // Another vendor's quirk leaves the GPU in use.
  options.vulkan_quirks_json = DisableBackendFor(vendor + 1);
  auto gpu = Session::CreatePreferred(c.graph, {"vulkan"}, options);
  ASSERT_TRUE(gpu.ok());
  ASSERT_TRUE((*gpu)->Run(c.feeds).ok());
  EXPECT_EQ(std::string((*gpu)->backend().name()), "vulkan");
  EXPECT_TRUE((*gpu)->fallbacks().empty());
}

TEST(VulkanVariantParams, a_malformed_quirk_list_is_invalid_argument_naming_the_field) {
  BackendOptions options;
  options.vulkan_quirks_json = R"({"action": "disable_backend"})";  // an object, not a list
  auto backend = Create(options);
  EXPECT_EQ(backend->status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(backend->status().message().find("vulkan_quirks"), std::string::npos)
      << backend->status().ToString();
  options.vulkan_quirks_json = "[{";
  EXPECT_NE(Create(options)->status().message().find("vulkan_quirks is not valid JSON"),
            std::string::npos);
  // Not a device fault: the session reports it instead of hiding it behind the CPU.
  Conv c;
  auto session = Session::CreatePreferred(c.graph, {"vulkan"}, options);
  ASSERT_TRUE(session.ok());
  auto out = (*session)->Run(c.feeds);
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(VulkanVariantParams, the_variants_precision_picks_the_fp16_path) {
  MOTA_SKIP_WITHOUT_VULKAN();
  Conv c;  // an fp32 model: only the variant's precision asks for fp16
  BackendOptions options;
  options.precision = "fp16";
  auto fp16 = RunGraph(*Create(options), c.graph, c.feeds);
  ASSERT_TRUE(fp16.ok()) << fp16.status().ToString();
  const DeviceInfo& d = SharedBackend().device();
  EXPECT_EQ(fp16->stats.fp16, d.shader_float16 && d.storage_16bit) << fp16->stats.precision;
  EXPECT_NE(fp16->stats.precision.find(": asked for fp16"), std::string::npos)
      << fp16->stats.precision;
  options.precision = "int8";  // not a GPU precision: the model's own (fp32)
  auto model = RunGraph(*Create(options), c.graph, c.feeds);
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(model->stats.fp16);
  EXPECT_EQ(model->stats.precision, "fp32: model precision ''");
}

TEST(VulkanVariantParams, the_workgroup_size_of_the_devices_family_sets_the_tuning) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const std::string family = Family(SharedBackend().device().vendor_id);
  BackendOptions options;
  options.vulkan_workgroup_size = {{"default", {4, 4, 1}}, {family, {8, 8, 1}}};
  auto backend = Create(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("elementwise_wg=64"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("gemm_tile=8"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("reduce_wg=64"), std::string::npos) << backend->tuning();

  // No entry for this family: "default"; explicit tuning applies after it.
  options.vulkan_workgroup_size = {{"default", {4, 4, 1}}, {"0xffff", {8, 8, 1}}};
  options.vulkan_tuning = "reduce_wg=32";
  backend = Create(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("gemm_tile=4"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("elementwise_wg=16"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("reduce_wg=32"), std::string::npos) << backend->tuning();

  // A size the device cannot run is a hint skipped with a note, never an error.
  options = {};
  options.vulkan_workgroup_size = {{"default", {3, 5, 1}}};
  backend = Create(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  ASSERT_FALSE(backend->parameter_notes().empty());
  EXPECT_NE(backend->parameter_notes()[0].find("skipped"), std::string::npos)
      << backend->parameter_notes()[0];
  Conv c;
  EXPECT_TRUE(RunGraph(*backend, c.graph, c.feeds).ok());
}

// tuning.vulkan_params as the install layer passes them (install_store.h VulkanTuningText):
// every family qualified; the backend takes its GPU's entry, else "default".
TEST(VulkanVariantParams, the_vulkan_params_of_the_devices_family_set_the_tuning) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const std::string family = Family(SharedBackend().device().vendor_id);
  BackendOptions options;
  options.vulkan_tuning = StrCat("0xffff:gemm_tile=2,", family, ":gemm_tile=8,", family,
                                 ":reduce_wg=16,default:gemm_tile=4,default:gemm_regs=1");
  auto backend = Create(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("gemm_tile=8"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("reduce_wg=16"), std::string::npos) << backend->tuning();
  EXPECT_EQ(backend->tuning().find("gemm_regs=1"), std::string::npos) << backend->tuning();

  options.vulkan_tuning = "0xffff:gemm_tile=2,default:gemm_tile=4,default:gemm_regs=1";
  backend = Create(options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_NE(backend->tuning().find("gemm_tile=4"), std::string::npos) << backend->tuning();
  EXPECT_NE(backend->tuning().find("gemm_regs=1"), std::string::npos) << backend->tuning();
  Conv c;
  EXPECT_TRUE(RunGraph(*backend, c.graph, c.feeds).ok());
}

// The variant's tuning is a hint: a set this device cannot run, or a key a newer packager
// knows, is skipped whole with a note (the self-test must not fail the variant over speed);
// the same string given by the caller (VulkanOptions::tuning) is an error.
TEST(VulkanVariantParams, vulkan_tuning_the_device_cannot_run_is_skipped_with_a_note) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const std::string defaults = Create({})->tuning();
  for (const std::string bad : {"reduce_wg=32,gemm_tile=64", "reduce_wg=32,warp=4"}) {
    BackendOptions options;
    options.vulkan_tuning = bad;
    auto backend = Create(options);
    ASSERT_TRUE(backend->status().ok()) << bad << ": " << backend->status().ToString();
    EXPECT_EQ(backend->tuning(), defaults) << bad << ": nothing of a skipped set applies";
    ASSERT_EQ(backend->parameter_notes().size(), 1u) << bad;
    EXPECT_NE(backend->parameter_notes()[0].find("vulkan_tuning '" + bad + "' skipped"),
              std::string::npos)
        << backend->parameter_notes()[0];
    Conv c;
    EXPECT_TRUE(RunGraph(*backend, c.graph, c.feeds).ok()) << bad;
  }
  VulkanOptions own;
  own.cache_path = "none";
  own.tuning = "reduce_wg=32,gemm_tile=64";
  auto backend = CreateVulkanBackend({}, own);
  EXPECT_EQ(backend->status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(backend->status().message().find("exceeds the limits"), std::string::npos)
      << backend->status().ToString();
}

}  // namespace
}  // namespace mota::exec::vk::testing
