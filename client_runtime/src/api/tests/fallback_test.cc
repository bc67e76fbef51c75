// A Vulkan device that is not there: a model the app opened on "vulkan" by name reports
// UNAVAILABLE at the first run (the app asked for it), while one opened through the client (its
// variant passed its self-test on Vulkan earlier, the driver is gone now) runs on the CPU.
// ctest runs these with no Vulkan driver to load (mota_api_tests.vulkan_unavailable); elsewhere
// they skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "api/handles.h"
#include "api/tests/api_test_util.h"

namespace mota::api::testing {
namespace {

bool ExpectNoVulkan() { return std::getenv("MOTA_TEST_EXPECT_NO_VULKAN") != nullptr; }

TEST(CApiVulkanUnavailable, a_model_opened_on_vulkan_by_name_fails_at_run_with_the_reason) {
  if (!ExpectNoVulkan()) GTEST_SKIP() << "runs under ctest mota_api_tests.vulkan_unavailable";
  mota_model_t* m = nullptr;
  const std::string path = ConvertedModel("mlp_784_256_10");
  ASSERT_EQ(mota_model_open_file(path.c_str(), "vulkan", &m), MOTA_OK) << LastError();
  EXPECT_EQ(mota_model_run(m), MOTA_ERR_UNAVAILABLE);
  EXPECT_NE(std::string(mota_model_last_error(m)).find("Vulkan"), std::string::npos)
      << mota_model_last_error(m);
  mota_model_close(m);
}

TEST(CApiVulkanUnavailable, a_model_opened_through_the_client_falls_back_to_the_cpu) {
  if (!ExpectNoVulkan()) GTEST_SKIP() << "runs under ctest mota_api_tests.vulkan_unavailable";
  const std::string path = ConvertedModel("mlp_784_256_10");
  // What mota_model_open and mota_model_open_installed do with a Vulkan-tested variant.
  auto opened = OpenModel(path, "vulkan", Fallback::kToCpu);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  mota_model_t* m = opened->get();
  ASSERT_EQ(mota_model_run(m), MOTA_OK) << mota_model_last_error(m);
  EXPECT_STRNE(mota_model_backend(m), "vulkan");
  const mota_tensor_t* y = nullptr;
  ASSERT_EQ(mota_model_output(m, 0, &y), MOTA_OK);
  EXPECT_EQ(mota_tensor_element_count(y), 10u);
}

}  // namespace
}  // namespace mota::api::testing
