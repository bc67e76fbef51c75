// InstallStore on its own: records survive a restart, the pointer is atomic, leftovers go.
#include "delivery/install/install_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"

namespace mota::install {
namespace {

namespace fs = std::filesystem;

class InstallStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ("install_store_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A stand-in installed file (the store does not read .mota contents).
  InstalledVariant Put(InstallStore& store, int64_t release, const std::string& variant) {
    InstalledVariant v{release, variant, "auto", std::string(64, 'a' + release % 6),
                       *InstallStore::FileName(release, variant)};
    std::ofstream(store.PathOf(v)) << "model " << release;
    return v;
  }

  fs::path root_;
};

TEST_F(InstallStoreTest, model_name_with_a_path_is_rejected) {
  auto store = InstallStore::Open(root_.string(), "../evil");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("'../evil'"), std::string::npos);
  EXPECT_FALSE(InstallStore::FileName(1, "a/b").ok());
}

TEST_F(InstallStoreTest, pointer_and_previous_survive_restart_and_old_files_go) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // (Each switch removes .mota files neither pointer entry names: install one at a time.)
  const InstalledVariant v1 = Put(*store, 1, "cpu");
  ASSERT_TRUE(store->SwitchActive(v1).ok());
  const InstalledVariant v2 = Put(*store, 2, "cpu");
  ASSERT_TRUE(store->SwitchActive(v2).ok());
  const InstalledVariant v3 = Put(*store, 3, "cpu");
  ASSERT_TRUE(store->SwitchActive(v3).ok());
  EXPECT_FALSE(fs::exists(store->PathOf(v1)));  // neither active nor previous any more
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->active(), v3);
  EXPECT_EQ(reopened->previous(), v2);
  EXPECT_TRUE(fs::exists(reopened->PathOf(v2)));
}

TEST_F(InstallStoreTest, crash_after_pointer_temp_is_written_keeps_the_old_pointer) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok());
  const InstalledVariant v1 = Put(*store, 1, "cpu");
  ASSERT_TRUE(store->SwitchActive(v1).ok());
  const InstalledVariant v2 = Put(*store, 2, "cpu");
  Status s = store->SwitchActive(v2, [](Step step, const std::string&) {
    return step == Step::kPointerTempWritten ? Internal("crash") : Status::Ok();
  });
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(fs::exists(fs::path(store->dir()) / "active.json.tmp"));  // as a crash leaves it
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->active(), v1);
  EXPECT_FALSE(fs::exists(fs::path(reopened->dir()) / "active.json.tmp"));
  EXPECT_FALSE(fs::exists(reopened->PathOf(v2)));  // an unreferenced candidate is cleaned
  EXPECT_TRUE(fs::exists(reopened->PathOf(v1)));
}

TEST_F(InstallStoreTest, rollback_returns_to_previous_and_marks_the_failed_one_bad) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok());
  const InstalledVariant v1 = Put(*store, 1, "cpu");
  ASSERT_TRUE(store->SwitchActive(v1).ok());
  EXPECT_EQ(store->RollBack("x").code(), StatusCode::kFailedPrecondition);  // nothing before v1
  const InstalledVariant v2 = Put(*store, 2, "cpu");
  ASSERT_TRUE(store->SwitchActive(v2).ok());
  ASSERT_TRUE(store->RollBack("app saw NaN outputs").ok());
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->active(), v1);
  EXPECT_FALSE(reopened->previous().has_value());
  ASSERT_NE(reopened->FindBad(2, "cpu"), nullptr);
  EXPECT_EQ(reopened->FindBad(2, "cpu")->reason, "app saw NaN outputs");
  EXPECT_FALSE(fs::exists(reopened->PathOf(v2)));
}

TEST_F(InstallStoreTest, corrupt_pointer_is_data_loss_naming_the_file) {
  fs::create_directories(root_ / "models" / "mlp");
  std::ofstream(root_ / "models" / "mlp" / "active.json") << R"({"active":{"release":"x"}})";
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find("active.json: active.release"), std::string::npos)
      << store.status().message();
}

TEST_F(InstallStoreTest, uninstall_clears_both_versions_atomically_removes_files_and_says_why) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const InstalledVariant v1 = Put(*store, 1, "cpu");
  ASSERT_TRUE(store->SwitchActive(v1).ok());
  const InstalledVariant v2 = Put(*store, 2, "cpu");
  ASSERT_TRUE(store->SwitchActive(v2).ok());
  ASSERT_TRUE(store->MarkBad({2, "gpu", "vulkan", "mismatch"}).ok());
  EXPECT_EQ(store->Uninstall("").code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store->Uninstall("release 2 was revoked").ok());
  EXPECT_FALSE(store->active().has_value());
  EXPECT_FALSE(fs::exists(store->PathOf(v1)));
  EXPECT_FALSE(fs::exists(store->PathOf(v2)));
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_FALSE(reopened->active().has_value());
  EXPECT_FALSE(reopened->previous().has_value());
  EXPECT_EQ(reopened->uninstalled(), "release 2 was revoked");
  EXPECT_NE(reopened->FindBad(2, "gpu"), nullptr);  // what failed here is still remembered
  EXPECT_EQ(reopened->RollBack("x").code(), StatusCode::kFailedPrecondition);
  // A later installation clears the reason.
  const InstalledVariant v3 = Put(*reopened, 3, "cpu");
  ASSERT_TRUE(reopened->SwitchActive(v3).ok());
  EXPECT_TRUE(reopened->uninstalled().empty());
  EXPECT_TRUE(InstallStore::Open(root_.string(), "mlp")->uninstalled().empty());
}

TEST_F(InstallStoreTest, switch_without_keeping_the_current_leaves_no_previous) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const InstalledVariant v2 = Put(*store, 2, "cpu");
  ASSERT_TRUE(store->SwitchActive(v2).ok());
  const InstalledVariant v1 = Put(*store, 1, "cpu");
  ASSERT_TRUE(store->SwitchActive(v1, nullptr, /*keep_current=*/false).ok());
  EXPECT_EQ(store->active(), v1);
  EXPECT_FALSE(store->previous().has_value());
  EXPECT_FALSE(fs::exists(store->PathOf(v2)));  // the revoked file is gone
}

TEST_F(InstallStoreTest, open_during_an_installation_leaves_its_candidate_files_alone) {
  auto installer = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(installer.ok()) << installer.status().ToString();
  ASSERT_TRUE(installer->LockForInstall().ok());
  ASSERT_TRUE(installer->LockForInstall().ok());  // idempotent
  // What a download in progress and a candidate under self-test look like.
  const fs::path partial = fs::path(installer->dir()) / "3-cpu.mota.partial-AbC123";
  const fs::path candidate = fs::path(installer->dir()) / "2-cpu.mota";
  std::ofstream(partial) << "half";
  std::ofstream(candidate) << "whole";
  {
    auto reader = InstallStore::Open(root_.string(), "mlp");  // the app opening the model
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_TRUE(fs::exists(partial));
    EXPECT_TRUE(fs::exists(candidate));
    const Status second = reader->LockForInstall();
    EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition) << second.ToString();
    EXPECT_NE(second.message().find("another installation"), std::string::npos);
  }
  installer = InstallStore::Open(root_.string(), "other");  // the installer is gone (a crash)
  ASSERT_TRUE(InstallStore::Open(root_.string(), "mlp").ok());
  EXPECT_FALSE(fs::exists(partial));  // now they are crash leftovers
  EXPECT_FALSE(fs::exists(candidate));
}

TEST_F(InstallStoreTest, the_variants_params_survive_a_restart_and_an_old_record_still_loads) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok());
  InstalledVariant v1 = Put(*store, 1, "gpu");
  v1.params = {.precision = "fp16",
               .threads = 2,
               .workgroup_size = {{"default", {8, 8, 1}}, {"0x10de", {16, 16, 1}}},
               .vulkan_quirks = R"([{"action":"disable_fp16"}])"};
  ASSERT_TRUE(store->SwitchActive(v1).ok());
  const InstalledVariant v2 = Put(*store, 2, "cpu");  // no params: the entry has none
  ASSERT_TRUE(store->SwitchActive(v2).ok());
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->previous()->params, v1.params);
  EXPECT_TRUE(reopened->active()->params.empty());
  const exec::BackendOptions options = ToBackendOptions(v1.params, {.threads = 4});
  EXPECT_EQ(options.threads, 2);
  EXPECT_EQ(options.precision, "fp16");
  EXPECT_EQ(options.vulkan_workgroup_size.at("0x10de")[0], 16);
  EXPECT_EQ(options.vulkan_quirks_json, v1.params.vulkan_quirks);
  EXPECT_EQ(ToBackendOptions({}, {.threads = 4}).threads, 4);  // no tuning.threads: the caller's
  EXPECT_TRUE(options.vulkan_tuning.empty());  // no vulkan_params: the backend's defaults

  // A record written before variants had parameters.
  std::ofstream(root_ / "models/mlp/active.json")
      << R"({"active":{"backend":"auto","file":"2-cpu.mota","release":2,"sha256":")" << v2.sha256
      << R"(","variant":"cpu"},"previous":null})";
  auto old = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->active(), v2);
}

TEST_F(InstallStoreTest, vulkan_params_survive_a_restart_and_reach_the_backend_for_every_family) {
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(store.ok());
  InstalledVariant v = Put(*store, 1, "gpu");
  v.params.vulkan_params = {{"default", {{"reduce_wg", 32}, {"gemm_tile", 8}}},
                            {"0x10de", {{"gemm_min_groups", 512}}},
                            {"0x10005", {}}};
  ASSERT_TRUE(store->SwitchActive(v).ok());
  auto reopened = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->active()->params, v.params);
  // Sorted families and names, each qualified: the backend takes its GPU's entry, else default.
  const std::string expected =
      "0x10005:,0x10de:gemm_min_groups=512,default:gemm_tile=8,default:reduce_wg=32";
  EXPECT_EQ(ToBackendOptions(reopened->active()->params).vulkan_tuning, expected);
  EXPECT_EQ(ToBackendOptions(v.params, {.vulkan_tuning = "gemm_tile=4"}).vulkan_tuning, expected);
  EXPECT_EQ(ToBackendOptions({}, {.vulkan_tuning = "gemm_tile=4"}).vulkan_tuning, "gemm_tile=4");
  auto record = ReadFile((root_ / "models/mlp/active.json").string());
  ASSERT_TRUE(record.ok());
  EXPECT_NE(std::string(record->begin(), record->end())
                .find(R"("vulkan_params":{"0x10005":{},"0x10de":{"gemm_min_groups":512},)"
                      R"("default":{"gemm_tile":8,"reduce_wg":32}})"),
            std::string::npos);

  // A record of the release before vulkan_params: its other params still load.
  std::ofstream(root_ / "models/mlp/active.json")
      << R"({"active":{"backend":"vulkan","file":"1-gpu.mota","release":1,"sha256":")" << v.sha256
      << R"(","variant":"gpu","params":{"precision":"fp16"}},"previous":null})";
  auto old = InstallStore::Open(root_.string(), "mlp");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->active()->params, VariantParams{.precision = "fp16"});
}

TEST_F(InstallStoreTest, malformed_vulkan_params_are_data_loss_naming_the_field) {
  fs::create_directories(root_ / "models" / "mlp");
  std::ofstream(root_ / "models" / "mlp" / "active.json")
      << R"({"active":{"backend":"vulkan","file":"1-a.mota","release":1,"sha256":"x",)"
      << R"("variant":"a","params":{"vulkan_params":{"default":{"gemm_tile":"8"}}}}})";
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find(
                "active.params.vulkan_params.default.gemm_tile is not an integer"),
            std::string::npos)
      << store.status().message();
}

// Found by tests/fuzz install_record (corpus/install_record/vulkan_params_out_of_range.json): a
// family "default,0x10de" became the tuning text "default,0x10de:gemm_tile=1,...", items the
// variant never had. A family or name holding a separator of that text is corruption.
TEST_F(InstallStoreTest, vulkan_params_smuggling_items_into_the_tuning_text_are_data_loss) {
  fs::create_directories(root_ / "models" / "mlp");
  const std::pair<const char*, const char*> cases[] = {
      {R"({"default,0x10de":{"gemm_min_groups":1}})", "GPU family 'default,0x10de'"},
      {R"({"":{"gemm_tile":8}})", "GPU family ''"},
      {R"({"default":{"gemm_tile=1,gemm_regs":2}})", "parameter name 'gemm_tile=1,gemm_regs'"},
      {R"({"0x10de":{"0x1002:gemm_tile":8}})", "parameter name '0x1002:gemm_tile'"}};
  for (const auto& [params, named] : cases) {
    std::ofstream(root_ / "models" / "mlp" / "active.json")
        << R"({"active":{"backend":"vulkan","file":"1-a.mota","release":1,"sha256":"x",)"
        << R"("variant":"a","params":{"vulkan_params":)" << params << "}}}";
    auto store = InstallStore::Open(root_.string(), "mlp");
    ASSERT_FALSE(store.ok()) << params;
    EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(store.status().message().find(named), std::string::npos) << store.status().message();
  }
}

TEST_F(InstallStoreTest, malformed_params_are_data_loss_naming_the_field) {
  fs::create_directories(root_ / "models" / "mlp");
  std::ofstream(root_ / "models" / "mlp" / "active.json")
      << R"({"active":{"backend":"auto","file":"1-a.mota","release":1,"sha256":"x",)"
      << R"("variant":"a","params":{"workgroup_size":{"default":[8,8]}}}})";
  auto store = InstallStore::Open(root_.string(), "mlp");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find("active.params.workgroup_size.default is not [x, y, z]"),
            std::string::npos)
      << store.status().message();
}

// The fuzz round's note: workgroup sizes no target can hold (x*y*z <= 1024, each >= 1) loaded
// and reached the backend. Such a record was not written from a target: corruption. (Threads
// out of range stay the backend's to refuse: CApiInstalledParams relies on that.)
TEST_F(InstallStoreTest, workgroup_sizes_outside_the_targets_range_are_data_loss) {
  fs::create_directories(root_ / "models" / "mlp");
  const std::pair<const char*, const char*> cases[] = {
      {R"({"workgroup_size":{"default":[0,1,1]}})", "workgroup_size.default is not [x, y, z]"},
      {R"({"workgroup_size":{"default":[64,64,1]}})", "with x*y*z <= 1024: [64,64,1]"},
      {R"({"workgroup_size":{"default":[18446744073709551615,1,1]}})", "is not [x, y, z]"}};
  for (const auto& [params, named] : cases) {
    std::ofstream(root_ / "models" / "mlp" / "active.json")
        << R"({"active":{"backend":"auto","file":"1-a.mota","release":1,"sha256":"x",)"
        << R"("variant":"a","params":)" << params << "}}";
    auto store = InstallStore::Open(root_.string(), "mlp");
    ASSERT_FALSE(store.ok()) << params;
    EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(store.status().message().find(named), std::string::npos) << store.status().message();
  }
}

}  // namespace
}  // namespace mota::install
