// `Package`: a tiny deploy.yaml around the shared MLP (fp32, fp16 and int8-weights variants, one
// of them vulkan) with generated calibration samples, packaged end to end.
#include "packager/src/package.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/file.h"
#include "base/sha256.h"
#include "exec/npy.h"
#include "manifests/lib/bundle/assemble.h"
#include "manifests/lib/bundle/index.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"
#include "model/loader.h"
#include "packager/src/chunk_store.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

// `fp16_gate`: extra lines for the fp16 variant (fp16 has no fallback, so a strict gate fails;
// int8-weights would keep layers in fp32 until it passes).
std::string Spec(const std::string& fp16_gate = "") {
  return "model: mlp\nversion: \"1.0\"\nsource: " + kModel +
         "\ninputs:\n  input: [1, 784]\ncalibration:\n  dir: calib\n"
         "variants:\n"
         "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n"
         "    tuning: {threads: 2}\n"
         "  - id: gpu-fp16\n    backend: vulkan\n    precision: fp16\n"
         "    requires: {gpu: {api: vulkan}}\n    priority: 3\n"
         "    tuning: {workgroup_size: {default: [64, 1, 1], \"0x5143\": [128, 1, 1]},\n"
         "             vulkan_params: {default: {gemm_tile: 8}, \"0x10de\": {gemm_min_groups: "
         "512}}}\n"
         "    driver_quirks: [{when: {gpu: {vendor_ids: [0x13b5]}}, action: disable_fp16,\n"
         "                     reason: NaN in fp16 convolutions},\n"
         "                    {when: {gpu: {vendor_ids: [0x5143]}}, action: tuning,\n"
         "                     tuning: {reduce_wg: 64, gemm_shared: 0}, reason: tiles}]\n" +
         fp16_gate +
         "  - id: cpu-w8\n    backend: cpu\n    precision: int8-weights\n    priority: 2\n";
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("package_test_" + std::to_string(::getpid()) + "_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    uint32_t state = 12345;  // a fixed LCG: the same samples every run
    for (int s = 0; s < 3; ++s) {
      exec::HostTensor x = exec::HostTensor::Allocate(DType::kF32, {1, 784});
      for (int64_t i = 0; i < x.numel(); ++i) {
        state = state * 1664525u + 1013904223u;
        x.as<float>()[i] = static_cast<float>(state >> 8) / static_cast<float>(1 << 24) * 2 - 1;
      }
      const fs::path sample = dir_ / "calib" / ("000" + std::to_string(s));
      fs::create_directories(sample);
      ASSERT_TRUE(exec::WriteNpy((sample / "input.npy").string(), x.view()).ok());
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  DeploySpec Load(const std::string& text) {
    std::ofstream((dir_ / "deploy.yaml").string()) << text;
    auto spec = LoadDeploySpec((dir_ / "deploy.yaml").string());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    return spec.ok() ? std::move(spec).value() : DeploySpec{};
  }
  Result<PackageResult> Run(const DeploySpec& spec, const std::string& out) {
    PackageOptions o;
    o.output = (dir_ / out).string();
    o.release = 7;
    return Package(spec, o);
  }
  // Every file under `root`: relative path -> bytes.
  std::map<std::string, std::vector<uint8_t>> Tree(const std::string& root) {
    std::map<std::string, std::vector<uint8_t>> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / root))
      if (e.is_regular_file())
        files[fs::relative(e.path(), dir_ / root).string()] = ReadFile(e.path().string()).value();
    return files;
  }

  fs::path dir_;
};

TEST_F(PackageTest, PackagingTheSameSpecTwiceGivesByteIdenticalStaging) {
  const DeploySpec spec = Load(Spec());
  auto a = Run(spec, "a");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Run(spec, "b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto tree_a = Tree("a");
  EXPECT_EQ(tree_a, Tree("b"));
  EXPECT_TRUE(tree_a.count("targets/models/mlp/cpu-fp32.r7.json"));
  EXPECT_TRUE(tree_a.count("targets/models/mlp/gpu-fp16.r7.json"));
  EXPECT_TRUE(tree_a.count("targets/models/mlp/cpu-w8.r7.json"));
  ASSERT_EQ(a->variants.size(), 3u);
  EXPECT_LT(a->variants[1].file_bytes, a->variants[0].file_bytes);  // fp16 is about half
  EXPECT_LT(a->variants[2].wire_bytes, a->variants[1].wire_bytes);  // int8 weights smaller still
  // Packaging again over an existing STAGING replaces it with the same bytes.
  ASSERT_TRUE(Run(spec, "a").ok());
  EXPECT_EQ(tree_a, Tree("a"));
}

TEST_F(PackageTest, StagingJsonListsEachIndexWithItsHashAndCustomMetadata) {
  const DeploySpec spec = Load(Spec());
  ASSERT_TRUE(Run(spec, "s").ok());
  auto text = ReadFile((dir_ / "s" / "staging.json").string());
  ASSERT_TRUE(text.ok());
  auto staging = tuf::ParseJson(std::string(text->begin(), text->end()), "staging.json");
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  ASSERT_EQ((*staging)["targets"].size(), 3u);
  for (const auto& [path, entry] : (*staging)["targets"].items()) {
    auto index = ReadFile((dir_ / "s" / "targets" / path).string());
    ASSERT_TRUE(index.ok()) << path;
    EXPECT_EQ(entry["length"], index->size());
    EXPECT_EQ(entry["hashes"]["sha256"], Sha256Hex(*index));
    auto custom = tuf::ParseVariantTarget(entry["custom"], path);
    ASSERT_TRUE(custom.ok()) << custom.status().ToString();
    EXPECT_EQ(custom->model, "mlp");
    EXPECT_EQ(custom->release, 7);
    EXPECT_EQ(path, tuf::VariantTargetPath("mlp", custom->variant, 7));
    // deploy.yaml's tuning travels in the target (deploy-spec.md "What travels with the release").
    if (custom->variant == "gpu-fp16") {
      EXPECT_EQ(custom->backend, "vulkan");
      EXPECT_EQ(custom->requires_["gpu"]["api"], "vulkan");
      ASSERT_TRUE(custom->tuning.has_value());
      EXPECT_EQ(custom->tuning->workgroup_size, spec.variants[1].tuning.workgroup_size);
      EXPECT_EQ(entry["custom"]["tuning"]["workgroup_size"]["0x5143"],
                nlohmann::json::array({128, 1, 1}));
      EXPECT_EQ(tuf::WorkgroupSizeFor(*custom->tuning, 0x13b5), (std::array<int64_t, 3>{64, 1, 1}));
      // tuning.vulkan_params travel as given, per GPU family (target_custom.h).
      EXPECT_EQ(entry["custom"]["tuning"]["vulkan_params"],
                nlohmann::json::parse(R"({"0x10de":{"gemm_min_groups":512},)"
                                      R"("default":{"gemm_tile":8}})"));
      EXPECT_EQ(custom->tuning->vulkan_params, spec.variants[1].tuning.vulkan_params);
      // driver_quirks travel as vulkan_quirks, the form exec/vulkan/vk_quirks.h parses.
      // A tuning quirk's parameters as the "key=value,..." text vk_quirks reads, in key order.
      EXPECT_EQ(entry["custom"]["vulkan_quirks"],
                nlohmann::json::parse(R"([{"action":"disable_fp16","reason":"NaN in fp16 )"
                                      R"(convolutions","when":{"gpu":{"vendor_ids":[5045]}}},)"
                                      R"({"action":"tuning","reason":"tiles","tuning":)"
                                      R"("gemm_shared=0,reduce_wg=64","when":{"gpu":)"
                                      R"({"vendor_ids":[20803]}}}])"));
    } else if (custom->variant == "cpu-fp32") {
      ASSERT_TRUE(custom->tuning.has_value());
      EXPECT_EQ(custom->tuning->threads, 2);
      EXPECT_TRUE(custom->tuning->workgroup_size.empty());
      EXPECT_FALSE(entry["custom"]["tuning"].contains("vulkan_params"));  // omitted when empty
      EXPECT_FALSE(entry["custom"].contains("vulkan_quirks"));
    } else {
      EXPECT_FALSE(custom->tuning.has_value());  // no tuning in deploy.yaml: none written
      EXPECT_FALSE(entry["custom"].contains("tuning"));
    }
  }
}

TEST_F(PackageTest, AFailingGateFailsTheBuildWithTheNumbersAndLeavesNoStaging) {
  const DeploySpec spec = Load(Spec("    gate: {min_cosine: 1, min_sqnr_db: 199}\n"));
  auto result = Run(spec, "out");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("variant 'gpu-fp16'"), std::string::npos)
      << result.status().ToString();
  EXPECT_NE(result.status().message().find("cosine"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  for (const auto& e : fs::directory_iterator(dir_))  // no temporary directory left behind
    EXPECT_EQ(e.path().filename().string().find(".out.tmp"), std::string::npos) << e.path();
}

TEST_F(PackageTest, AFailedBuildLeavesAnExistingStagingUntouched) {
  ASSERT_TRUE(Run(Load(Spec()), "out").ok());
  const auto before = Tree("out");
  ASSERT_FALSE(Run(Load(Spec("    gate: {min_cosine: 1, min_sqnr_db: 199}\n")), "out").ok());
  EXPECT_EQ(before, Tree("out"));
}

TEST_F(PackageTest, EachIndexReassemblesToTheExactVariantFileWithItsSelftestBlobs) {
  const DeploySpec spec = Load(Spec());
  ASSERT_TRUE(Run(spec, "s").ok());
  auto store = ChunkStore::Open((dir_ / "s").string());
  ASSERT_TRUE(store.ok());
  for (const std::string v : {"cpu-fp32", "gpu-fp16", "cpu-w8"}) {
    auto text = ReadFile((dir_ / "s/targets/models/mlp" / (v + ".r7.json")).string());
    ASSERT_TRUE(text.ok());
    auto index = bundle::ParseIndex(std::string(text->begin(), text->end()));
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    const std::string out = (dir_ / (v + ".mota")).string();
    ASSERT_TRUE(bundle::AssembleFile(*index, store->Source(), out).ok()) << v;
    auto bytes = ReadFile(out);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(Sha256Hex(*bytes), index->sha256);
    EXPECT_TRUE(model::Model::Load(out).ok()) << v;
    ASSERT_EQ(index->selftest.vectors.size(), 2u);
    const bundle::BlobRef& in = index->selftest.vectors[0].inputs.at(0);
    EXPECT_EQ(in.name, "input");
    auto frame = store->ReadFrame(in.sha256);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_NE(index->selftest.min_cosine, "0");
  }
}

}  // namespace
}  // namespace mota::packager
