// mota_model_open_installed opens the active version with the backend parameters its variant
// passed its self-test with (install record "params": precision, tuning, vulkan_quirks), also
// when the app names the backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "api/tests/api_test_util.h"
#include "delivery/install/install_store.h"

namespace mota::api::testing {
namespace {

namespace fs = std::filesystem;

// Installs the converted MLP as the active version of "mlp" in `data` (the store does not read
// the file's contents; the hash is not checked on open).
void InstallMlp(const std::string& data, const std::string& backend,
                const install::VariantParams& params) {
  auto store = install::InstallStore::Open(data, "mlp");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const install::InstalledVariant v{
      1, "v", backend, std::string(64, 'a'), *install::InstallStore::FileName(1, "v"), params};
  fs::copy_file(ConvertedModel("mlp_784_256_10"), store->PathOf(v));
  const Status s = store->SwitchActive(v);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST(CApiInstalledParams, the_variants_threads_reach_the_backend_of_an_installed_model) {
  const std::string data = TempDir("installed_params_threads");
  InstallMlp(data, "auto", {.threads = 300});  // out of range: only a backend created with it fails
  mota_model_t* m = nullptr;
  EXPECT_EQ(mota_model_open_installed(data.c_str(), "mlp", nullptr, &m), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("threads is 300"), std::string::npos) << LastError();
  EXPECT_EQ(mota_model_open_installed(data.c_str(), "mlp", "reference", &m),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(m, nullptr);
}

TEST(CApiInstalledParams, a_quirk_disabling_this_gpu_opens_the_installed_model_on_the_cpu) {
  const std::string path = ConvertedModel("mlp_784_256_10");
  mota_model_t* probe = nullptr;
  if (mota_model_open_file(path.c_str(), "vulkan", &probe) != MOTA_OK ||
      mota_model_run(probe) != MOTA_OK) {
    mota_model_close(probe);
    GTEST_SKIP() << "no Vulkan device: " << LastError();
  }
  mota_model_close(probe);
  // Every common GPU vendor, lavapipe (Mesa, 0x10005) included: the test does not read the
  // device's id through the C API.
  const std::string quirks =
      R"([{"when": {"gpu": {"vendor_ids": [65541, 4318, 4098, 32902, 5045, 20803, 4112, 4203]}},
           "action": "disable_backend", "reason": "compute hangs on this driver"}])";
  const std::string data = TempDir("installed_params_quirk");
  InstallMlp(data, "vulkan", {.precision = "fp16", .vulkan_quirks = quirks});
  mota_model_t* m = nullptr;
  ASSERT_EQ(mota_model_open_installed(data.c_str(), "mlp", nullptr, &m), MOTA_OK) << LastError();
  ASSERT_EQ(mota_model_run(m), MOTA_OK) << mota_model_last_error(m);
  EXPECT_STRNE(mota_model_backend(m), "vulkan");
  mota_model_close(m);
  // Named by the app: no fallback, the quirk's reason comes back.
  ASSERT_EQ(mota_model_open_installed(data.c_str(), "mlp", "vulkan", &m), MOTA_OK) << LastError();
  EXPECT_NE(mota_model_run(m), MOTA_OK);
  EXPECT_NE(std::string(mota_model_last_error(m)).find("compute hangs on this driver"),
            std::string::npos)
      << mota_model_last_error(m);
  mota_model_close(m);
}

}  // namespace
}  // namespace mota::api::testing
