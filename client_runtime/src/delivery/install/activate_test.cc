// Activate end to end on a real bundle: the shared MLP packaged by the packager (fp32 and fp16
// variants, self-test vectors and tolerances as the packager makes them), installed from a
// chunk store laid out as the device's (delivery/fetch).
#include "delivery/install/activate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/file.h"
#include "exec/backend.h"
#include "exec/npy.h"
#include "manifests/lib/bundle/assemble.h"
#include "packager/src/chunk_store.h"
#include "packager/src/deploy_spec.h"
#include "packager/src/package.h"

namespace mota::install {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

// Packaged once for the whole suite (seconds); tests copy its blobs and never change it.
fs::path g_staging;

bundle::VariantIndex LoadIndex(const std::string& variant) {
  auto text = ReadFile((g_staging / "targets/models/mlp" / (variant + ".r1.json")).string());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto index = bundle::ParseIndex(std::string(text->begin(), text->end()));
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? *index : bundle::VariantIndex{};
}

class ActivateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    g_staging = fs::path(::testing::TempDir()) / ("activate_test_" + std::to_string(::getpid()));
    fs::remove_all(g_staging);
    fs::create_directories(g_staging);
    const fs::path spec_path = g_staging / "deploy.yaml";
    std::ofstream(spec_path) << "model: mlp\nversion: \"1.0\"\nsource: " << kModel
                             << "\ninputs:\n  input: [1, 784]\nvariants:\n"
                                "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n"
                                "  - id: cpu-fp16\n    backend: cpu\n    precision: fp16\n";
    auto spec = packager::LoadDeploySpec(spec_path.string());
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    packager::PackageOptions o;
    o.output = (g_staging / "staging").string();
    o.release = 1;
    auto r = packager::Package(*spec, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    g_staging /= "staging";
  }
  static void TearDownTestSuite() { fs::remove_all(g_staging.parent_path()); }

  void SetUp() override {
    dir_ =
        g_staging.parent_path() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "store");
    fs::copy(g_staging / "blobs", dir_ / "store" / "blobs", fs::copy_options::recursive);
    fp32_ = LoadIndex("cpu-fp32");
    fp16_ = LoadIndex("cpu-fp16");
    ASSERT_FALSE(fp32_.selftest.vectors.empty());
    ASSERT_NE(fp32_.sha256, fp16_.sha256);
  }
  void TearDown() override { fs::remove_all(dir_); }

  InstallStore Open() {
    auto store = InstallStore::Open((dir_ / "device").string(), "mlp");
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }
  ActivateOptions Options(FaultHook fault = nullptr) {
    return {.chunk_store = (dir_ / "store").string(), .fault = std::move(fault)};
  }
  // The old version the tests keep: release 1's fp32 variant.
  void ActivateOld(InstallStore& store) {
    const Status s = Activate(store, {1, "cpu-fp32", "auto", &fp32_}, Options());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // What a downloader does (ChunkDownloader::Download, here AssembleFile from the store): the
  // file is assembled and verified at PrepareCandidate's path, then ActivateAssembled.
  Status AssembleThenActivate(InstallStore& store, const Candidate& c, const ActivateOptions& o) {
    MOTA_ASSIGN_OR_RETURN(const std::string path, PrepareCandidate(store, c));
    const std::string blobs = (dir_ / "store/blobs").string();
    MOTA_RETURN_IF_ERROR(bundle::AssembleFile(
        *c.index, [&](const bundle::ChunkRef& ref) { return ReadFile(blobs + "/" + ref.sha256); },
        path));
    return ActivateAssembled(store, c, o);
  }
  void Damage(const std::string& path) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }

  // The fp16 variant with its first output reference changed (element 3 off by `delta`), stored
  // like any blob: what a variant computing wrong numbers looks like here.
  bundle::VariantIndex WithWrongReference(float delta) {
    return WithChangedReference([delta](float* v, int64_t) { v[3] += delta; });
  }
  bundle::VariantIndex WithChangedReference(const std::function<void(float*, int64_t)>& change) {
    bundle::VariantIndex index = fp16_;
    bundle::BlobRef& ref = index.selftest.vectors[0].outputs[0];
    auto bytes = ReadFile((dir_ / "store/blobs" / ref.sha256).string());
    auto npy =
        bundle::DecodeVerified("ref", ref.sha256, ref.size, ref.zstd_sha256, ref.zstd_size, *bytes);
    auto tensor = exec::ParseNpy(*npy);
    change(tensor->as<float>(), tensor->numel());
    auto changed = exec::SerializeNpy(tensor->view());
    auto store = packager::ChunkStore::Open((dir_ / "store").string());
    auto added = store->AddBlob(ref.name, *changed);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    ref = *added;
    return index;
  }

  fs::path dir_;
  bundle::VariantIndex fp32_, fp16_;
};

TEST_F(ActivateTest, happy_path_installs_runs_selftest_and_switches) {
  InstallStore store = Open();
  SelftestReport report;
  ActivateOptions o = Options();
  o.report = &report;
  ASSERT_TRUE(Activate(store, {1, "cpu-fp32", "auto", &fp32_}, o).ok());
  EXPECT_EQ(report.vectors_run, fp32_.selftest.vectors.size());
  ASSERT_TRUE(store.active().has_value());
  EXPECT_EQ(store.active()->sha256, fp32_.sha256);
  EXPECT_EQ(store.active()->file, "1-cpu-fp32.mota");
  const Status s = Activate(store, {2, "cpu-fp16", "reference", &fp16_}, o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store.active()->variant, "cpu-fp16");
  EXPECT_EQ(store.active()->backend, "reference");
  ASSERT_TRUE(store.previous().has_value());  // kept for rollback
  EXPECT_EQ(store.previous()->variant, "cpu-fp32");
  EXPECT_TRUE(fs::exists(store.PathOf(*store.previous())));
  EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp16_.sha256, fp16_.size).ok());
}

TEST_F(ActivateTest, selftest_mismatch_keeps_previous_active_and_marks_variant_bad) {
  InstallStore store = Open();
  ActivateOld(store);
  const bundle::VariantIndex wrong = WithWrongReference(1.0f);
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &wrong}, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  // The reason names the vector, the output, the element, both values and the limit.
  EXPECT_NE(s.message().find("self-test vector 0 output '"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("element 3 is "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("> allowed max_abs_error "), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("marked bad"), std::string::npos) << s.message();
  std::printf("reason: %s\n", s.ToString().c_str());
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));
  const BadVariant* bad = store.FindBad(2, "cpu-fp16");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->backend, "auto");
  EXPECT_NE(bad->reason.find("element 3"), std::string::npos);
}

TEST_F(ActivateTest, nan_output_never_passes) {
  InstallStore store = Open();
  // NaN compares false with everything: a check written as "error > limit" would let it through.
  const bundle::VariantIndex nan = WithChangedReference([](float* v, int64_t) { v[0] = NAN; });
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &nan}, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("element 0"), std::string::npos) << s.message();
  EXPECT_FALSE(store.active().has_value());
}

TEST_F(ActivateTest, wrong_direction_fails_the_cosine_check) {
  InstallStore store = Open();
  // Every element negated, with a max_abs_error loose enough to let that through: only the
  // cosine similarity (-1 here) catches it.
  bundle::VariantIndex flipped = WithChangedReference([](float* v, int64_t n) {
    for (int64_t i = 0; i < n; ++i) v[i] = -v[i];
  });
  flipped.selftest.max_abs_error = "1000";
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &flipped}, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("cosine similarity -1 < allowed min_cosine"), std::string::npos)
      << s.message();
}

TEST_F(ActivateTest, tiny_difference_within_tolerance_passes) {
  InstallStore store = Open();
  const bundle::VariantIndex close = WithWrongReference(1e-7f);
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &close}, Options());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(ActivateTest, unknown_backend_fails_selftest_without_crashing_and_is_marked) {
  InstallStore store = Open();
  ActivateOld(store);
  const Status s = Activate(store, {2, "cpu-fp16", "no-such-gpu", &fp16_}, Options());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("backend 'no-such-gpu'"), std::string::npos) << s.message();
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  ASSERT_NE(store.FindBad(2, "cpu-fp16"), nullptr);
  EXPECT_EQ(store.FindBad(2, "cpu-fp16")->backend, "no-such-gpu");
}

// On a machine with a Vulkan device (lavapipe counts) the self-test runs there; without one the
// backend's UNAVAILABLE comes back as the reason, the variant is marked bad for "vulkan" and the
// CPU version stays active. Either way: no crash, a consistent store.
TEST_F(ActivateTest, vulkan_selftest_passes_or_says_why_and_keeps_the_active) {
  const auto names = exec::AvailableBackends();
  if (std::find(names.begin(), names.end(), "vulkan") == names.end())
    GTEST_SKIP() << "this build has no Vulkan backend";
  InstallStore store = Open();
  ActivateOld(store);
  const Status s = Activate(store, {2, "cpu-fp16", "vulkan", &fp16_}, Options());
  std::printf("vulkan self-test: %s\n", s.ToString().c_str());
  // CMakeLists.txt runs this test once more with the Vulkan loader pointed at no driver.
  if (std::getenv("MOTA_TEST_EXPECT_NO_VULKAN") != nullptr) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("on backend 'vulkan'"), std::string::npos) << s.message();
  }
  if (s.ok()) {
    EXPECT_EQ(store.active()->backend, "vulkan");
    EXPECT_EQ(store.previous()->variant, "cpu-fp32");
  } else {
    EXPECT_FALSE(s.message().empty());
    EXPECT_EQ(store.active()->variant, "cpu-fp32");
    ASSERT_NE(store.FindBad(2, "cpu-fp16"), nullptr);
    EXPECT_EQ(store.FindBad(2, "cpu-fp16")->backend, "vulkan");
  }
}

TEST_F(ActivateTest, the_selftest_runs_with_the_variants_params_and_the_record_keeps_them) {
  InstallStore store = Open();
  Candidate c{2, "cpu-fp16", "auto", &fp16_};
  c.params = {.precision = "fp16", .threads = 2, .workgroup_size = {{"default", {8, 8, 1}}}};
  ASSERT_TRUE(Activate(store, c, Options()).ok());
  EXPECT_EQ(InstallStore::Open((dir_ / "device").string(), "mlp")->active()->params, c.params);

  // The self-test creates its backend with them: tuning.threads out of range fails it.
  Candidate wrong{3, "cpu-fp32", "auto", &fp32_};
  wrong.params.threads = 300;
  const Status s = Activate(store, wrong, Options());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("threads is 300"), std::string::npos) << s.message();
  EXPECT_EQ(store.active()->release, 2);
}

TEST_F(ActivateTest, bad_variant_is_remembered) {
  {
    InstallStore store = Open();
    const bundle::VariantIndex wrong = WithWrongReference(1.0f);
    ASSERT_FALSE(Activate(store, {2, "cpu-fp16", "auto", &wrong}, Options()).ok());
  }
  InstallStore store = Open();  // a restart
  ASSERT_NE(store.FindBad(2, "cpu-fp16"), nullptr);
  // Even the good index of that release's variant is not tried again here.
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("failed on this device before"), std::string::npos) << s.message();
  EXPECT_FALSE(store.active().has_value());
  // Another variant is still tried.
  EXPECT_TRUE(Activate(store, {2, "cpu-fp32", "auto", &fp32_}, Options()).ok());
}

TEST_F(ActivateTest, corrupt_assembled_file_is_never_activated) {
  InstallStore store = Open();
  ActivateOld(store);
  // The file changes on disk after assembly (bad flash, another writer).
  const Status s = Activate(
      store, {2, "cpu-fp16", "auto", &fp16_}, Options([](Step step, const std::string& path) {
        if (step == Step::kAssembled) {
          std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
          f.seekp(100);
          f.put('\x5a');
        }
        return Status::Ok();
      }));
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("has sha256 "), std::string::npos) << s.message();
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));
  EXPECT_EQ(store.FindBad(2, "cpu-fp16"), nullptr);  // the bytes were wrong, not the variant
}

TEST_F(ActivateTest, corrupt_chunk_in_store_is_never_activated) {
  InstallStore store = Open();
  ActivateOld(store);
  const fs::path blob = dir_ / "store/blobs" / fp16_.chunks.back().sha256;
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << "not a zstd frame";
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));
}

TEST_F(ActivateTest, damaged_selftest_blob_is_a_storage_fault_not_a_bad_variant) {
  InstallStore store = Open();
  ActivateOld(store);
  const bundle::BlobRef& ref = fp16_.selftest.vectors[0].outputs[0];
  std::ofstream(dir_ / "store/blobs" / ref.sha256, std::ios::binary | std::ios::trunc) << "junk";
  const Status s = Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find(ref.sha256), std::string::npos) << s.message();
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_EQ(store.FindBad(2, "cpu-fp16"), nullptr);
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));
}

TEST_F(ActivateTest, crash_before_pointer_switch_keeps_previous_active) {
  for (Step crash_at :
       {Step::kAssembled, Step::kVerified, Step::kSelftestPassed, Step::kPointerTempWritten}) {
    SCOPED_TRACE(StepName(crash_at));
    fs::remove_all(dir_ / "device");
    {
      InstallStore store = Open();
      ActivateOld(store);
      const Status s = Activate(store, {2, "cpu-fp16", "auto", &fp16_},
                                Options([crash_at](Step step, const std::string&) {
                                  return step == crash_at ? Internal("killed") : Status::Ok();
                                }));
      ASSERT_FALSE(s.ok());
    }
    InstallStore store = Open();  // the next start
    ASSERT_TRUE(store.active().has_value());
    EXPECT_EQ(store.active()->variant, "cpu-fp32");
    EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp32_.sha256, fp32_.size).ok());
    EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));  // leftover cleaned
    EXPECT_EQ(store.FindBad(2, "cpu-fp16"), nullptr);
    // And the update simply runs again.
    EXPECT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  }
}

TEST_F(ActivateTest, crash_after_pointer_switch_leaves_the_new_version_whole) {
  {
    InstallStore store = Open();
    ActivateOld(store);
    const Status s =
        Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options([](Step step, const std::string&) {
                   return step == Step::kPointerSwitched ? Internal("killed") : Status::Ok();
                 }));
    ASSERT_FALSE(s.ok());
  }
  InstallStore store = Open();
  EXPECT_EQ(store.active()->variant, "cpu-fp16");
  EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp16_.sha256, fp16_.size).ok());
  EXPECT_TRUE(fs::exists(store.PathOf(*store.previous())));
}

TEST_F(ActivateTest, activation_survives_restart) {
  {
    InstallStore store = Open();
    ActivateOld(store);
    ASSERT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  }
  InstallStore store = Open();
  ASSERT_TRUE(store.active().has_value());
  EXPECT_EQ(store.active()->release, 2);
  EXPECT_EQ(store.active()->variant, "cpu-fp16");
  EXPECT_EQ(store.active()->sha256, fp16_.sha256);
  EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp16_.sha256, fp16_.size).ok());
  ASSERT_TRUE(store.previous().has_value());
  EXPECT_EQ(store.previous()->variant, "cpu-fp32");
  // Activating what is already active does nothing.
  EXPECT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  EXPECT_EQ(store.previous()->variant, "cpu-fp32");
}

TEST_F(ActivateTest, older_release_is_refused_unless_the_newer_one_is_revoked) {
  InstallStore store = Open();
  ASSERT_TRUE(Activate(store, {5, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  const Status s = Activate(store, {4, "cpu-fp32", "auto", &fp32_}, Options());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("older than the active release 5"), std::string::npos) << s.message();
  EXPECT_EQ(store.active()->release, 5);
  Candidate revoked{4, "cpu-fp32", "auto", &fp32_};
  revoked.active_release_revoked = true;
  EXPECT_TRUE(Activate(store, revoked, Options()).ok());
  EXPECT_EQ(store.active()->release, 4);
}

TEST_F(ActivateTest, rollback_after_activation_returns_to_the_previous_file) {
  InstallStore store = Open();
  ActivateOld(store);
  ASSERT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  ASSERT_TRUE(store.RollBack("crashed in the app").ok());
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp32_.sha256, fp32_.size).ok());
  EXPECT_NE(store.FindBad(2, "cpu-fp16"), nullptr);
}

// ---- a file assembled by the downloader ----

TEST_F(ActivateTest, assembled_file_is_self_tested_and_switched_keeping_the_previous) {
  InstallStore store = Open();
  ActivateOld(store);
  SelftestReport report;
  ActivateOptions o = Options();
  o.report = &report;
  const Status s = AssembleThenActivate(store, {2, "cpu-fp16", "auto", &fp16_}, o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.vectors_run, fp16_.selftest.vectors.size());
  EXPECT_EQ(store.active()->variant, "cpu-fp16");
  EXPECT_EQ(store.active()->sha256, fp16_.sha256);
  EXPECT_EQ(store.previous()->variant, "cpu-fp32");
  EXPECT_TRUE(VerifyWholeFile(store.PathOf(*store.active()), fp16_.sha256, fp16_.size).ok());
}

TEST_F(ActivateTest, prepare_refuses_a_bad_variant_and_a_rollback_before_any_byte_is_written) {
  InstallStore store = Open();
  ASSERT_TRUE(Activate(store, {5, "cpu-fp32", "auto", &fp32_}, Options()).ok());
  auto older = PrepareCandidate(store, {4, "cpu-fp16", "auto", &fp16_});
  EXPECT_EQ(older.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(older.status().message().find("older than the active release 5"), std::string::npos);
  ASSERT_TRUE(store.MarkBad({6, "cpu-fp16", "auto", "mismatch"}).ok());
  auto bad = PrepareCandidate(store, {6, "cpu-fp16", "auto", &fp16_});
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("failed on this device before"), std::string::npos);
  auto active = PrepareCandidate(store, {5, "cpu-fp32", "auto", &fp32_});
  EXPECT_EQ(active.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(active.status().message().find("already active"), std::string::npos);
  auto changed = PrepareCandidate(store, {5, "cpu-fp32", "auto", &fp16_, false, true});
  EXPECT_NE(changed.status().message().find("cannot change"), std::string::npos);
  auto fine = PrepareCandidate(store, {7, "cpu-fp16", "auto", &fp16_});
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(*fine, store.dir() + "/7-cpu-fp16.mota");
  EXPECT_FALSE(fs::exists(*fine));
}

TEST_F(ActivateTest, assembled_file_of_the_wrong_size_is_never_activated) {
  InstallStore store = Open();
  ActivateOld(store);
  const Candidate c{2, "cpu-fp16", "auto", &fp16_};
  auto path = PrepareCandidate(store, c);
  ASSERT_TRUE(path.ok());
  std::ofstream(*path, std::ios::binary) << "a few bytes, not the model";
  const Status s = ActivateAssembled(store, c, Options());
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("the index says " + std::to_string(fp16_.size)), std::string::npos)
      << s.message();
  EXPECT_FALSE(fs::exists(*path));
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_EQ(store.FindBad(2, "cpu-fp16"), nullptr);
}

TEST_F(ActivateTest, failing_selftest_of_an_assembled_file_marks_it_bad_and_keeps_the_active) {
  InstallStore store = Open();
  ActivateOld(store);
  const bundle::VariantIndex wrong = WithWrongReference(0.5f);
  const Status s = AssembleThenActivate(store, {2, "cpu-fp16", "auto", &wrong}, Options());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("marked bad on this device"), std::string::npos) << s.message();
  EXPECT_NE(store.FindBad(2, "cpu-fp16"), nullptr);
  EXPECT_EQ(store.active()->variant, "cpu-fp32");
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"));
}

TEST_F(ActivateTest, crash_at_every_step_of_an_assembled_activation_leaves_a_whole_version) {
  for (Step crash_at : {Step::kAssembled, Step::kVerified, Step::kSelftestPassed,
                        Step::kPointerTempWritten, Step::kPointerSwitched}) {
    SCOPED_TRACE(StepName(crash_at));
    fs::remove_all(dir_ / "device");
    {
      InstallStore store = Open();
      ActivateOld(store);
      const Status s =
          AssembleThenActivate(store, {2, "cpu-fp16", "auto", &fp16_},
                               Options([crash_at](Step step, const std::string&) {
                                 return step == crash_at ? Internal("killed") : Status::Ok();
                               }));
      ASSERT_FALSE(s.ok());
    }
    InstallStore store = Open();  // the next start
    const bool switched = crash_at == Step::kPointerSwitched;
    EXPECT_EQ(store.active()->variant, switched ? "cpu-fp16" : "cpu-fp32");
    EXPECT_TRUE(CheckActiveFile(store).ok());
    EXPECT_EQ(fs::exists(fs::path(store.dir()) / "2-cpu-fp16.mota"), switched);
  }
}

TEST_F(ActivateTest, damaged_or_deleted_active_file_is_found_and_repaired) {
  InstallStore store = Open();
  ActivateOld(store);
  ASSERT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  ASSERT_TRUE(CheckActiveFile(store).ok());
  const std::string path = store.PathOf(*store.active());
  Damage(path);
  Status s = CheckActiveFile(store);
  ASSERT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("is damaged"), std::string::npos) << s.message();
  // Without `repair`, activating the active version is a no-op: the damage would stay.
  ASSERT_TRUE(Activate(store, {2, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  EXPECT_FALSE(CheckActiveFile(store).ok());
  Candidate repair{2, "cpu-fp16", "auto", &fp16_};
  repair.repair = true;
  s = Activate(store, repair, Options());  // from the store
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(CheckActiveFile(store).ok());
  EXPECT_EQ(store.previous()->variant, "cpu-fp32");  // the previous version is still kept
  fs::remove(path);
  s = CheckActiveFile(store);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("is missing"), std::string::npos) << s.message();
  s = AssembleThenActivate(store, repair, Options());  // as the downloader does it
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(CheckActiveFile(store).ok());
  EXPECT_TRUE(fs::exists(store.PathOf(*store.previous())));
}

TEST_F(ActivateTest, revoked_active_release_is_not_kept_as_previous) {
  InstallStore store = Open();
  ASSERT_TRUE(Activate(store, {5, "cpu-fp16", "auto", &fp16_}, Options()).ok());
  Candidate down{4, "cpu-fp32", "auto", &fp32_};
  down.active_release_revoked = true;
  ASSERT_TRUE(AssembleThenActivate(store, down, Options()).ok());
  EXPECT_EQ(store.active()->release, 4);
  EXPECT_FALSE(store.previous().has_value());
  EXPECT_FALSE(fs::exists(fs::path(store.dir()) / "5-cpu-fp16.mota"));
  EXPECT_EQ(store.RollBack("crashed").code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mota::install
