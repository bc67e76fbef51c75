#include "packager/src/deploy_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "exec/npy.h"
#include "tests/support/test_dir.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Lines 1-11; tests append variant keys at line 12 and later.
constexpr char kBase[] = R"(model: tiny
version: "1.0"
source: model.onnx
inputs:
  x: [1, 3, 4, 4]
calibration:
  dir: calib
variants:
  - id: cpu-fp32
    backend: cpu
    precision: fp32
)";

// kBase and a second variant, "gpu" on vulkan in fp32 (lines 12-14).
std::string WithVulkanVariant() {
  return std::string(kBase) + "  - id: gpu\n    backend: vulkan\n    precision: fp32\n";
}

class DeploySpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("deploy_spec_test");
    fs::create_directories(dir_);
    Touch("model.onnx");
    WriteSamples("calib", 2, {1, 3, 4, 4});
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Touch(const std::string& rel) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << "not really onnx";
  }
  // `count` samples DIR/000i/x.npy of the given shape.
  void WriteSamples(const std::string& rel, int count, const std::vector<int64_t>& shape,
                    const std::string& input = "x") {
    for (int i = 0; i < count; ++i) {
      const fs::path sample = dir_ / rel / ("000" + std::to_string(i));
      fs::create_directories(sample);
      exec::HostTensor t = exec::HostTensor::Allocate(DType::kF32, shape);
      ASSERT_TRUE(exec::WriteNpy((sample / (input + ".npy")).string(), t.view()).ok());
    }
  }
  std::vector<std::string> Errors(const std::string& yaml) {
    return ParseDeploySpec(yaml, "deploy.yaml", dir_.string()).errors;
  }
  DeploySpec Parse(const std::string& yaml) {
    ParsedDeploySpec p = ParseDeploySpec(yaml, "deploy.yaml", dir_.string());
    EXPECT_THAT(p.errors, ElementsAre());
    return p.spec;
  }

  fs::path dir_;
};

TEST_F(DeploySpecTest, minimal_spec_parses_with_defaults) {
  DeploySpec spec = Parse(kBase);
  EXPECT_EQ(spec.model, "tiny");
  EXPECT_EQ(spec.version, "1.0");
  EXPECT_EQ(spec.source, (dir_ / "model.onnx").string());
  ASSERT_EQ(spec.inputs.size(), 1u);
  EXPECT_EQ(spec.inputs[0].dims, (std::vector<int64_t>{1, 3, 4, 4}));
  ASSERT_TRUE(spec.calibration.has_value());
  EXPECT_EQ(spec.calibration->samples, 2);
  EXPECT_EQ(spec.calibration->method, "minmax");
  ASSERT_EQ(spec.variants.size(), 1u);
  EXPECT_EQ(spec.variants[0].priority, 0);
  EXPECT_TRUE(spec.variants[0].requires_.empty());
  EXPECT_EQ(ToJson(spec.variants[0].requires_).dump(), "{}");
}

// The example from examples/mobilenet_v2, placed where its relative paths resolve: the model
// three levels up under shared/models, calib/ and eval/ beside the yaml.
TEST_F(DeploySpecTest, mobilenet_example_parses) {
  const fs::path example = fs::path(MOTA_SOURCE_DIR) / "examples/mobilenet_v2/deploy.yaml";
  Result<std::vector<uint8_t>> bytes = ReadFile(example.string());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const fs::path yaml_dir = dir_ / "repo/examples/mobilenet_v2";
  Touch("shared/models/mobilenet_v2.onnx");
  WriteSamples("repo/examples/mobilenet_v2/calib", 2, {1, 3, 224, 224}, "input");
  WriteSamples("repo/examples/mobilenet_v2/eval", 1, {1, 3, 224, 224}, "input");
  ParsedDeploySpec p =
      ParseDeploySpec(std::string(bytes->begin(), bytes->end()), "deploy.yaml", yaml_dir.string());
  ASSERT_THAT(p.errors, ElementsAre());
  const DeploySpec& spec = p.spec;
  EXPECT_EQ(spec.model, "mobilenet_v2");
  EXPECT_EQ(spec.source, (dir_ / "shared/models/mobilenet_v2.onnx").string());
  EXPECT_EQ(spec.calibration->eval_samples, 1);
  ASSERT_EQ(spec.variants.size(), 3u);
  EXPECT_EQ(spec.variants[0].id, "cpu-fp32");
  EXPECT_EQ(spec.variants[1].precision, "int8");
  EXPECT_EQ(EffectiveGate(spec, spec.variants[1]).min_cosine, 0.98);
  EXPECT_EQ(EffectiveGate(spec, spec.variants[1]).min_sqnr_db, 15);
  EXPECT_FALSE(EffectiveGate(spec, spec.variants[2]).min_cosine.has_value());
  const Variant& gpu = spec.variants[2];
  EXPECT_EQ(gpu.backend, "vulkan");
  EXPECT_EQ(gpu.priority, 100);
  EXPECT_EQ(gpu.tuning.workgroup_size.at("0x5143"), (std::array<int64_t, 3>{128, 1, 1}));
  ASSERT_EQ(spec.quirks.size(), 1u);
  EXPECT_TRUE(spec.quirks[0].Denies(gpu));
  EXPECT_FALSE(spec.quirks[0].Denies(spec.variants[1]));
  // The target's requires: the conditions plus the quirk that denies this variant.
  EXPECT_EQ(ToJson(TargetRequires(spec, gpu)).dump(),
            R"j({"gpu":{"api":"vulkan","vendor_ids":[20803,5045]},"min_os_version":"10",)j"
            R"j("os":["android"],"quirks":[{"reason":"fp16 depthwise convolution returns wrong )j"
            R"j(values on Mali drivers <= r32 (example quirk)","when":{"gpu":{"driver_version":)j"
            R"j({"max":"32.0"},"vendor_ids":[5045]}}}]})j");
  EXPECT_EQ(ToJson(TargetRequires(spec, spec.variants[1])).dump(),
            R"({"arch":["arm64","x86_64"],"min_runtime_version":"0.1.0"})");
}

// The JSON Schema accepts the example and rejects what the parser rejects by type or enum.
TEST_F(DeploySpecTest, json_schema_accepts_the_example_and_rejects_a_bad_precision) {
  if (std::system("/usr/bin/python3 -c 'import jsonschema, yaml' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-jsonschema or python3-yaml is not installed (scripts/setup.sh "
                    "installs them); the schema check did not run";
  }
  const std::string src = MOTA_SOURCE_DIR;
  const std::string check =
      "/usr/bin/python3 -c 'import json, sys, yaml, jsonschema; "
      "jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))"
      ".validate(yaml.safe_load(open(sys.argv[2])))' " +
      src + "/manifests/schema/deploy.schema.json ";
  EXPECT_EQ(std::system((check + src + "/examples/mobilenet_v2/deploy.yaml").c_str()), 0);
  std::ofstream(dir_ / "bad.yaml") << std::string(kBase).replace(
      std::string(kBase).find("precision: fp32"), 15, "precision: int4");
  EXPECT_NE(std::system((check + (dir_ / "bad.yaml").string() + " 2> /dev/null").c_str()), 0);
}

// Parser and schema agree on keys, types, enums and patterns: each mutation below is rejected
// by both, and a spec using every condition key is accepted by both.
TEST_F(DeploySpecTest, parser_and_json_schema_agree) {
  if (std::system("/usr/bin/python3 -c 'import jsonschema, yaml' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-jsonschema or python3-yaml is not installed (scripts/setup.sh "
                    "installs them); the schema check did not run";
  }
  auto with = [](const std::string& from, const std::string& to) {
    std::string yaml = kBase;
    return yaml.replace(yaml.find(from), from.size(), to);
  };
  const std::string vulkan = with("backend: cpu", "backend: vulkan");
  const std::vector<std::string> bad = {
      with("precision: fp32", "precision: int4"),
      with("backend: cpu", "backend: metal"),
      with("version: \"1.0\"", "version: 1.0"),
      with("precision: fp32", "precison: fp32"),
      with("model: tiny", "model: Tiny"),
      with("x: [1, 3, 4, 4]", "x: [1, 3, 0, 4]"),
      std::string(kBase) + "    priority: high\n",
      std::string(kBase) + "    requires: {min_cores: \"4\"}\n",
      std::string(kBase) + "    requires: {arch: []}\n",
      std::string(kBase) + "    requires: {min_runtime_version: \"1.2\"}\n",
      std::string(kBase) + "    requires: {gpu: {vendor_ids: [\"0x5143\"]}}\n",
      vulkan + "    tuning: {workgroup_size: {0x5143: [64, 1, 1]}}\n",
      vulkan + "    tuning: {workgroup_size: {default: [64, 1]}}\n",
      vulkan + "    tuning: {workgroup_size: {\"0x05143\": [64, 1, 1]}}\n",
      vulkan + "    tuning: {vulkan_params: {default: {gemm_tile: 12}}}\n",
      vulkan + "    tuning: {vulkan_params: {default: {gemm_shared: 2}}}\n",
      vulkan + "    tuning: {vulkan_params: {\"0x10de\": {warp: 4}}}\n",
      vulkan + "    tuning: {vulkan_params: {0x10de: {gemm_tile: 8}}}\n",
      vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: tuning, reason: r}]\n",
      vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: tuning, tuning: {},\n"
               "                     reason: r}]\n",
      vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: tuning,\n"
               "                     tuning: {gemm_tile: 12}, reason: r}]\n",
      vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: disable_fp16,\n"
               "                     tuning: {gemm_tile: 8}, reason: r}]\n",
      std::string(kBase) + "quirks: [{when: {os: [ios]}, reason: r}]\n",
      std::string(kBase) + "quirks: [{when: {}, deny: [cpu-fp32], reason: r}]\n"};
  const std::string good =
      std::string(kBase) +
      "    priority: -3\n"
      "    gate: {min_cosine: 0.99, min_sqnr_db: 20}\n"
      "    tuning: {threads: 2}\n"
      "    requires:\n"
      "      arch: [arm64]\n"
      "      cpu_features: [neon, dotprod]\n"
      "      min_cores: 2\n"
      "      max_cores: 8\n"
      "      min_ram_mb: 512\n"
      "      max_ram_mb: 16384\n"
      "      os: [android]\n"
      "      min_os_version: \"10\"\n"
      "      max_os_version: \"14.1\"\n"
      "      soc: [SM8550]\n"
      "      min_runtime_version: \"0.1.0\"\n"
      "      gpu: {api: vulkan, vendor_ids: [0x5143], device_ids: [1],\n"
      "            driver_version: {min: \"1\", max: \"2\"}}\n"
      "  - id: gpu\n    backend: vulkan\n    precision: fp16\n"
      "    tuning: {vulkan_params: {default: {gemm_tile: 32, gemm_regs: 4, gemm_shared: 0},\n"
      "                             \"0x10de\": {gemm_min_groups: 512, elementwise_wg: 1024,\n"
      "                                        reduce_wg: 1}}}\n"
      "    driver_quirks:\n"
      "      - {when: {gpu: {vendor_ids: [0x5143]}}, action: tuning, tuning: {gemm_shared: 0},\n"
      "         reason: tiles}\n"
      "      - {when: {gpu: {vendor_ids: [0x13b5]}}, action: disable_fp16, reason: NaN}\n"
      "quirks:\n"
      "  - {when: {soc: [SM8550]}, deny_all_backend: vulkan, reason: \"GPU hangs\"}\n";
  std::string files;
  for (size_t i = 0; i <= bad.size(); ++i) {
    const std::string& yaml = i < bad.size() ? bad[i] : good;
    EXPECT_EQ(Errors(yaml).empty(), i == bad.size()) << yaml;
    const fs::path file = dir_ / ("case" + std::to_string(i) + ".yaml");
    std::ofstream(file) << yaml;
    files += " " + file.string();
  }
  // Prints one character per file: 'a' accepted, 'r' rejected. The YAML goes through JSON first,
  // as any YAML -> JSON tool would give it to a validator (a plain 0x5143 key becomes "20803").
  const std::string script =
      "import json, sys, yaml, jsonschema\n"
      "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
      "load = lambda f: json.loads(json.dumps(yaml.safe_load(open(f))))\n"
      "print(''.join('a' if v.is_valid(load(f)) else 'r' for f in sys.argv[2:]))\n";
  std::ofstream(dir_ / "check.py") << script;
  const std::string out = (dir_ / "verdicts.txt").string();
  ASSERT_EQ(
      std::system(("/usr/bin/python3 " + (dir_ / "check.py").string() + " " + MOTA_SOURCE_DIR +
                   "/manifests/schema/deploy.schema.json" + files + " > " + out)
                      .c_str()),
      0);
  Result<std::vector<uint8_t>> verdicts = ReadFile(out);
  ASSERT_TRUE(verdicts.ok());
  EXPECT_EQ(std::string(verdicts->begin(), verdicts->end()), std::string(bad.size(), 'r') + "a\n");
}

TEST_F(DeploySpecTest, missing_source_file_is_named_with_its_resolved_path) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("model.onnx"), 10, "../gone/missing.onnx");
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:3:9: source: file '../gone/missing.onnx' does not exist "
                          "(resolved against the yaml's directory to '" +
                          (dir_.parent_path() / "gone/missing.onnx").string() + "')"));
}

TEST_F(DeploySpecTest, missing_calibration_directory_is_an_error) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("dir: calib"), 10, "dir: calibration");
  EXPECT_THAT(Errors(yaml), ElementsAre(HasSubstr(
                                "deploy.yaml:7:8: calibration.dir: directory 'calibration' does "
                                "not exist")));
}

TEST_F(DeploySpecTest, unknown_precision_names_the_variant_and_the_allowed_values) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("precision: fp32"), 15, "precision: int4");
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:11:16: variant 'cpu-fp32': precision 'int4' "
                                        "is not one of fp32, fp16, int8, int8-weights"));
}

TEST_F(DeploySpecTest, unknown_backend_names_the_allowed_values) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("backend: cpu"), 12, "backend: metal");
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:10:14: variant 'cpu-fp32': backend 'metal' "
                                        "is not one of cpu, vulkan"));
}

TEST_F(DeploySpecTest, variant_id_used_twice_points_at_the_second) {
  const std::string yaml = std::string(kBase) +
                           "  - id: cpu-fp32\n"      // 12
                           "    backend: vulkan\n"   // 13
                           "    precision: fp16\n";  // 14
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:12:9: variant 'cpu-fp32': id 'cpu-fp32' is "
                          "used twice (first at line 9); variant ids must be unique"));
}

TEST_F(DeploySpecTest, unknown_key_suggests_the_near_miss) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("precision: fp32"), 15, "precison: fp32");
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:9:5: variant 'cpu-fp32': precision: missing (required)",
                          "deploy.yaml:11:5: variant 'cpu-fp32': unknown key 'precison' (did you "
                          "mean 'precision'?)"));
  yaml = std::string(kBase) + "flavour: spicy\n";  // line 12, nothing near
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:12:1: unknown key 'flavour' (expected one of "
                                        "format, model, version, source, inputs, calibration, "
                                        "gate, variants, quirks)"));
}

TEST_F(DeploySpecTest, string_where_an_integer_is_expected) {
  const std::string yaml = std::string(kBase) +
                           "    priority: high\n"       // 12
                           "    requires:\n"            // 13
                           "      min_cores: \"4\"\n";  // 14: quoted, so a string
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:12:15: variant 'cpu-fp32': priority: expected an integer, "
                          "got the string 'high'",
                          "deploy.yaml:14:18: variant 'cpu-fp32': requires.min_cores: expected an "
                          "integer, got the string '4'"));
}

TEST_F(DeploySpecTest, unquoted_version_number_asks_for_quotes) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("\"1.0\""), 5, "1.0");
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:2:10: version: expected a string, got the "
                                        "number 1.0 (YAML reads the plain 1.0 as a number; quote "
                                        "it: \"1.0\")"));
}

TEST_F(DeploySpecTest, contradictory_conditions_are_each_reported) {
  const std::string yaml = std::string(kBase) +
                           "    requires:\n"                                           // 12
                           "      min_cores: 8\n"                                      // 13
                           "      max_cores: 4\n"                                      // 14
                           "      arch: [x86_64]\n"                                    // 15
                           "      cpu_features: [avx2, neon]\n"                        // 16
                           "      min_os_version: \"10\"\n"                            // 17
                           "      soc: []\n"                                           // 18
                           "      gpu:\n"                                              // 19
                           "        driver_version: {min: \"2.10\", max: \"2.9\"}\n";  // 20
  EXPECT_THAT(
      Errors(yaml),
      ElementsAre(
          "deploy.yaml:13:18: variant 'cpu-fp32': requires.min_cores: 8 is greater than "
          "max_cores 4; no device can match",
          "deploy.yaml:16:28: variant 'cpu-fp32': requires.cpu_features[1]: 'neon' is a feature "
          "of none of the listed arch (x86_64); no device can match",
          "deploy.yaml:17:7: variant 'cpu-fp32': requires.min_os_version: needs exactly one os "
          "to compare against (got none); OS versions only compare within one OS",
          "deploy.yaml:18:12: variant 'cpu-fp32': requires.soc: an empty list matches nothing; "
          "omit the key to allow any value",
          "deploy.yaml:20:31: variant 'cpu-fp32': requires.gpu.driver_version.min: '2.10' is "
          "greater than max '2.9'; no device can match"));
}

TEST_F(DeploySpecTest, features_of_two_architectures_cannot_all_hold) {
  const std::string yaml = std::string(kBase) +
                           "    requires:\n"                         // 12
                           "      cpu_features: [avx2, dotprod]\n";  // 13
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:13:21: variant 'cpu-fp32': requires.cpu_features: no "
                          "architecture has all of avx2, dotprod; no device can match"));
}

TEST_F(DeploySpecTest, int8_without_calibration_is_an_error) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("calibration:\n  dir: calib\n"), 26, "");
  yaml.replace(yaml.find("precision: fp32"), 15, "precision: int8");
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:9:16: variant 'cpu-fp32': precision 'int8' "
                                        "needs calibration data: add calibration.dir"));
}

TEST_F(DeploySpecTest, calibration_samples_must_match_the_declared_inputs) {
  WriteSamples("calib", 3, {1, 3, 8, 8});  // overwrites 0000, 0001 and adds 0002: wrong shape
  std::ofstream(dir_ / "calib/0001/y.npy") << "x";
  fs::create_directories(dir_ / "calib/0003");  // a sample without x.npy
  const std::vector<std::string> errors = Errors(kBase);
  const std::string c = (dir_ / "calib").string();
  EXPECT_THAT(errors,
              ElementsAre("deploy.yaml:7:8: calibration.dir: '" + c +
                              "/0000/x.npy' has shape [1, 3, 8, 8]; inputs.x declares [1, 3, 4, 4]",
                          "deploy.yaml:7:8: calibration.dir: '" + c +
                              "/0001/x.npy' has shape [1, 3, 8, 8]; inputs.x declares [1, 3, 4, 4]",
                          "deploy.yaml:7:8: calibration.dir: '" + c +
                              "/0001/y.npy' is not an input of the spec (inputs: x)",
                          "deploy.yaml:7:8: calibration.dir: '" + c +
                              "/0002/x.npy' has shape [1, 3, 8, 8]; inputs.x declares [1, 3, 4, 4]",
                          "deploy.yaml:7:8: calibration.dir: ... and 1 more problems with these "
                          "samples"));
}

TEST_F(DeploySpecTest, quirk_mistakes_are_reported) {
  const std::string yaml = std::string(kBase) +
                           "quirks:\n"                       // 12
                           "  - when: {soc: [SM8550]}\n"     // 13
                           "    deny: [cpu_fp32]\n"          // 14
                           "    reason: \"bad\"\n"           // 15
                           "  - when: {}\n"                  // 16
                           "    deny_all_backend: vulkan\n"  // 17
                           "    deny: [cpu-fp32]\n"          // 18
                           "    reason: \"\"\n";             // 19
  EXPECT_THAT(
      Errors(yaml),
      ElementsAre("deploy.yaml:14:12: quirks[0]: deny[0]: no variant 'cpu_fp32' in this file "
                  "(did you mean 'cpu-fp32'?)",
                  "deploy.yaml:16:11: quirks[1]: when: no conditions: the quirk would deny on "
                  "every device",
                  "deploy.yaml:17:5: quirks[1]: deny_all_backend: give either deny or "
                  "deny_all_backend, not both",
                  "deploy.yaml:19:13: quirks[1]: reason: empty; say why these devices are denied"));
}

TEST_F(DeploySpecTest, tuning_of_the_other_backend_is_an_error) {
  const std::string yaml = std::string(kBase) +
                           "    tuning:\n"                                  // 12
                           "      workgroup_size: {default: [64, 1, 1]}\n"  // 13
                           "      threads: 0\n";                            // 14
  EXPECT_THAT(Errors(yaml),
              ElementsAre("deploy.yaml:13:7: variant 'cpu-fp32': tuning.workgroup_size: applies "
                          "only to backend vulkan (this variant's backend is cpu)",
                          "deploy.yaml:14:16: variant 'cpu-fp32': tuning.threads: 0 is out of "
                          "range (expected 1 to 256)"));
}

TEST_F(DeploySpecTest, driver_quirks_of_a_vulkan_variant_are_read) {
  const std::string yaml =
      std::string(kBase) +
      "  - id: gpu-fp16\n    backend: vulkan\n    precision: fp16\n"
      "    driver_quirks:\n"
      "      - when: {gpu: {vendor_ids: [0x13b5], driver_version: {max: \"38\"}}}\n"
      "        action: disable_fp16\n"
      "        reason: fp16 convolutions return NaN on r38 drivers\n";
  const DeploySpec spec = Parse(yaml);
  ASSERT_EQ(spec.variants.size(), 2u);
  const std::vector<DriverQuirk>& q = spec.variants.back().driver_quirks;
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].action, "disable_fp16");
  EXPECT_EQ(ToJson(q[0].when).dump(),
            R"({"gpu":{"driver_version":{"max":"38"},"vendor_ids":[5045]}})");
}

TEST_F(DeploySpecTest, driver_quirks_that_the_device_could_not_apply_are_errors) {
  const std::string vulkan = WithVulkanVariant();
  EXPECT_THAT(Errors(std::string(kBase) + "    driver_quirks: []\n"),
              ElementsAre(HasSubstr("driver_quirks: applies only to backend vulkan")));
  EXPECT_THAT(Errors(vulkan + "    driver_quirks: [{when: {os: [android]}, action: disable_fp16, "
                              "reason: r}]\n"),
              ElementsAre(HasSubstr("give only `gpu` conditions")));
  EXPECT_THAT(Errors(vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: "
                              "disable_fp32, reason: r}]\n"),
              ElementsAre(HasSubstr("action 'disable_fp32' is not one of")));
  EXPECT_THAT(Errors(vulkan + "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, action: "
                              "disable_backend, reason: \"\"}]\n"),
              ElementsAre(HasSubstr("reason: empty")));
}

TEST_F(DeploySpecTest, a_tuning_driver_quirk_sets_parameters_checked_like_vulkan_params) {
  const std::string vulkan = WithVulkanVariant();
  const DeploySpec spec = Parse(
      vulkan +
      "    driver_quirks:\n"
      "      - when: {gpu: {vendor_ids: [0x5143], driver_version: {max: \"512.599\"}}}\n"
      "        action: tuning\n"
      "        tuning: {gemm_shared: 0, reduce_wg: 64}\n"
      "        reason: shared-memory tiles miscompiled before 512.600\n");
  const std::vector<DriverQuirk>& q = spec.variants.back().driver_quirks;
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].action, "tuning");
  EXPECT_EQ(q[0].tuning, (std::map<std::string, int64_t>{{"gemm_shared", 0}, {"reduce_wg", 64}}));
  const std::string when = "    driver_quirks: [{when: {gpu: {vendor_ids: [1]}}, ";
  EXPECT_THAT(Errors(vulkan + when + "action: tuning, reason: r}]\n"),
              ElementsAre(HasSubstr("driver_quirks[0].tuning: missing; action tuning needs")));
  EXPECT_THAT(Errors(vulkan + when + "action: tuning, tuning: {}, reason: r}]\n"),
              ElementsAre(HasSubstr("driver_quirks[0].tuning: empty")));
  EXPECT_THAT(Errors(vulkan + when + "action: tuning, tuning: {gemm_tiles: 8}, reason: r}]\n"),
              ElementsAre(HasSubstr("did you mean 'gemm_tile'?")));
  EXPECT_THAT(Errors(vulkan + when + "action: tuning, tuning: {reduce_wg: 48}, reason: r}]\n"),
              ElementsAre(HasSubstr("driver_quirks[0].tuning.reduce_wg: 48 is not")));
  EXPECT_THAT(
      Errors(vulkan + when + "action: disable_fp16, tuning: {reduce_wg: 64}, reason: r}]\n"),
      ElementsAre(HasSubstr("tuning: only for action tuning (this quirk's action is disable_fp16)")));
}

TEST_F(DeploySpecTest, an_integer_beyond_64_bits_is_out_of_range_not_a_string) {
  const std::string vulkan = WithVulkanVariant();
  EXPECT_THAT(Errors(vulkan + "    tuning: {vulkan_params: {default: {reduce_wg: "
                              "9223372036854775808}}}\n"),
              ElementsAre(HasSubstr("tuning.vulkan_params.default.reduce_wg: "
                                    "9223372036854775808 is out of range")));
  EXPECT_THAT(Errors(vulkan + "    tuning: {vulkan_params: {default: {reduce_wg: \"64\"}}}\n"),
              ElementsAre(HasSubstr("expected an integer, got the string")));
}

TEST_F(DeploySpecTest, vulkan_params_per_gpu_family_are_read) {
  const std::string yaml = WithVulkanVariant() +
                           "    tuning:\n"
                           "      vulkan_params:\n"
                           "        default: {gemm_tile: 8, gemm_shared: 0}\n"
                           "        \"0x10de\": {gemm_min_groups: 512, elementwise_wg: 0x100}\n"
                           "        \"0x10005\": {}\n";
  const DeploySpec spec = Parse(yaml);
  ASSERT_EQ(spec.variants.size(), 2u);
  const Tuning& t = spec.variants[1].tuning;
  const std::map<std::string, std::map<std::string, int64_t>> expected = {
      {"default", {{"gemm_tile", 8}, {"gemm_shared", 0}}},
      {"0x10de", {{"gemm_min_groups", 512}, {"elementwise_wg", 256}}},
      {"0x10005", {}}};
  EXPECT_EQ(t.vulkan_params, expected);
  EXPECT_EQ(tuf::ToJson(t).dump(),
            R"({"vulkan_params":{"0x10005":{},"0x10de":{"elementwise_wg":256,)"
            R"("gemm_min_groups":512},"default":{"gemm_shared":0,"gemm_tile":8}}})");
}

TEST_F(DeploySpecTest, vulkan_params_the_backend_would_reject_are_errors_naming_everything) {
  const std::string head = WithVulkanVariant() +   // lines 12-14
                           "    tuning:\n"          // 15
                           "      vulkan_params:\n";  // 16
  EXPECT_THAT(Errors(head + "        \"0x10de\": {gemm_tiles: 8}\n"),
              ElementsAre("deploy.yaml:17:20: variant 'gpu': tuning.vulkan_params.0x10de."
                          "gemm_tiles: unknown Vulkan tuning parameter 'gemm_tiles' (expected one "
                          "of elementwise_wg, gemm_tile, gemm_regs, reduce_wg, gemm_shared, "
                          "gemm_min_groups; did you mean 'gemm_tile'?)"));
  EXPECT_THAT(Errors(head + "        default: {gemm_tile: 12}\n"),
              ElementsAre("deploy.yaml:17:30: variant 'gpu': tuning.vulkan_params.default."
                          "gemm_tile: 12 is not a power of two 1..32 (the Vulkan backend's range "
                          "for gemm_tile)"));
  EXPECT_THAT(Errors(head + "        default: {gemm_tile: 64}\n"),  // 4096 threads
              ElementsAre(HasSubstr("gemm_tile: 64 is not a power of two 1..32")));
  EXPECT_THAT(Errors(head + "        default: {gemm_regs: 8}\n"),
              ElementsAre(HasSubstr("default.gemm_regs: 8 is not a power of two 1..4")));
  EXPECT_THAT(Errors(head + "        default: {gemm_shared: 2}\n"),
              ElementsAre(HasSubstr("default.gemm_shared: 2 is not 0 or 1")));
  EXPECT_THAT(Errors(head + "        default: {gemm_min_groups: -1}\n"),
              ElementsAre(HasSubstr("gemm_min_groups: -1 is not an integer 0..4294967295")));
  EXPECT_THAT(Errors(head + "        default: {gemm_tile: \"8\"}\n"),
              ElementsAre(HasSubstr("default.gemm_tile: expected an integer")));
  EXPECT_THAT(
      Errors(head + "        \"0x10DE\": {gemm_tile: 8}\n"),
      ElementsAre(HasSubstr("tuning.vulkan_params.0x10DE: GPU family '0x10DE' is neither")));
  EXPECT_THAT(Errors(head + "        default: [8]\n"), ElementsAre(HasSubstr("vulkan_params")));
  // Every problem is reported, not only the first.
  EXPECT_EQ(Errors(head + "        default: {gemm_tile: 3, reduce_wg: 2048, warp: 1}\n").size(),
            3u);
  EXPECT_THAT(
      Errors(std::string(kBase) + "    tuning: {vulkan_params: {default: {gemm_tile: 8}}}\n"),
      ElementsAre(HasSubstr("variant 'cpu-fp32': tuning.vulkan_params: applies only to "
                            "backend vulkan (this variant's backend is cpu)")));
}

TEST_F(DeploySpecTest, misspelled_tuning_key_is_named_with_its_line_and_a_suggestion) {
  const std::string yaml = std::string(kBase) +
                           "    tuning:\n"       // 12
                           "      thread: 4\n";  // 13
  EXPECT_THAT(Errors(yaml), ElementsAre("deploy.yaml:13:7: variant 'cpu-fp32': unknown key "
                                        "'tuning.thread' (did you mean 'threads'?)"));
}

TEST_F(DeploySpecTest, gpu_family_with_extra_leading_zeros_is_an_error) {
  std::string yaml = std::string(kBase) + "    tuning:\n      workgroup_size:\n";
  yaml.replace(yaml.find("backend: cpu"), 12, "backend: vulkan");
  EXPECT_THAT(Errors(yaml + "        \"0x00005143\": [64, 1, 1]\n"),  // line 14
              ElementsAre(HasSubstr("deploy.yaml:14:9: variant 'cpu-fp32': "
                                    "tuning.workgroup_size.0x00005143: GPU family")));
  EXPECT_THAT(Errors(yaml + "        \"0x10005\": [64, 1, 1]\n"), ElementsAre());
}

TEST_F(DeploySpecTest, duplicate_keys_and_syntax_errors_have_positions) {
  EXPECT_THAT(Errors(std::string(kBase) + "model: again\n"),
              ElementsAre("deploy.yaml:12:1: model: key given twice (remove one)"));
  EXPECT_THAT(Errors("model: [tiny\nversion: 1\n"),
              ElementsAre("deploy.yaml:2:8: YAML syntax error: end of sequence flow not found"));
  EXPECT_THAT(Errors(""), ElementsAre(HasSubstr("deploy.yaml:1:1: the file is empty")));
}

TEST_F(DeploySpecTest, every_error_is_reported_not_only_the_first) {
  const std::string yaml =
      "model: Tiny Model\n"  // 1: not a name
      "version: \"1\"\n"
      "source: nope.onnx\n"    // 3: missing
      "inputs: {x: [1, 0]}\n"  // 4: dim 0
      "variants:\n"
      "  - {id: a, backend: gpu, precision: fp8}\n";  // 6: two enums
  EXPECT_EQ(Errors(yaml).size(), 5u);
}

TEST_F(DeploySpecTest, load_reports_a_missing_file_and_joins_errors) {
  Result<DeploySpec> missing = LoadDeploySpec((dir_ / "nope.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  std::string yaml = kBase;
  yaml.replace(yaml.find("precision: fp32"), 15, "precision: int4");
  std::ofstream(dir_ / "deploy.yaml") << yaml;
  Result<DeploySpec> bad = LoadDeploySpec((dir_ / "deploy.yaml").string());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("1 error in deploy spec '" + (dir_ / "deploy.yaml").string()));
  EXPECT_THAT(bad.status().message(), HasSubstr("\n" + (dir_ / "deploy.yaml").string() +
                                                ":11:16: variant 'cpu-fp32': precision 'int4'"));
  std::ofstream(dir_ / "deploy.yaml") << kBase;
  EXPECT_TRUE(LoadDeploySpec((dir_ / "deploy.yaml").string()).ok());
}

// The requires the packager writes is what the device client reads back.
TEST_F(DeploySpecTest, target_requires_round_trips_through_the_device_parser) {
  const std::string yaml = std::string(kBase) +
                           "    requires:\n"
                           "      os: [android]\n"
                           "      min_os_version: \"9\"\n"
                           "      gpu: {vendor_ids: [0x13b5], driver_version: {min: \"1.2\"}}\n"
                           "quirks:\n"
                           "  - when: {soc: [MT6789]}\n"
                           "    deny_all_backend: cpu\n"
                           "    reason: \"slow memory\"\n";
  const DeploySpec spec = Parse(yaml);
  const nlohmann::json json = ToJson(TargetRequires(spec, spec.variants[0]));
  Result<conditions::Requires> back = conditions::ParseRequires(json, "requires");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), json);
  ASSERT_EQ(back->quirks.size(), 1u);
  EXPECT_EQ(back->quirks[0].reason, "slow memory");
}

}  // namespace
}  // namespace mota::packager
