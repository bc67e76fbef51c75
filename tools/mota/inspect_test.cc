// `mota inspect` on quantized models: the quantization report (metadata property
// `quantization.report`, manifests/spec/quantization.md) as text and as a parsed JSON object.
// Runs the built binary, as cli_test.cc does.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "converter/src/writer.h"
#include "tests/support/run_tool.h"
#include "tests/support/test_dir.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;

using test_support::Slurp;

model::TensorInfo F32(const std::string& name, const Shape& shape) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = DType::kF32;
  t.has_shape = !shape.empty();
  for (int64_t d : shape) t.dims.push_back({d, {}});
  return t;
}

// What `mota quantize --precision int8` reports for a two-conv model where the accuracy gate
// kept the second conv in fp32. Canonical JSON (sorted keys, no spaces), as the spec says.
nlohmann::json Int8Report() {
  return nlohmann::json::parse(R"({
    "format": 1, "precision": "int8", "method": "entropy",
    "calibration": {"source": "dir", "samples": 32,
                    "sha256": "9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"},
    "size": {"before": 14000000, "after": 3600000},
    "gate": {"min_cosine": 0.995, "min_sqnr_db": 0, "passed": true},
    "model": {"cosine": 0.9981, "sqnr_db": 24.1, "max_abs": 0.03,
              "outputs": [{"name": "y", "cosine": 0.9981, "sqnr_db": 24.1, "max_abs": 0.03}]},
    "layers": [
      {"node": "conv_0", "op": "Conv", "precision": "int8", "sqnr_db": 31.2, "cosine": 0.9996,
       "max_abs": 0.01},
      {"node": "relu_0", "op": "Relu", "precision": "int8", "sqnr_db": 30.8, "cosine": 0.9995,
       "max_abs": 0.01},
      {"node": "conv_1", "op": "Conv", "precision": "fp32", "sqnr_db": 9.1, "cosine": 0.991,
       "max_abs": 0.2,
       "reason": "kept in fp32: SQNR 9.1 dB, the lowest; model cosine 0.991 < gate 0.995"}]
  })");
}

// x [1,2,4,4] -> Conv conv_0 -> Relu relu_0 -> Conv conv_1 -> y (f32 weights: the report is
// what is under test, not the quantized ops).
model::Graph TwoConvGraph(const std::string& report) {
  model::Graph g;
  const int32_t x = g.AddTensor(F32("x", {1, 2, 4, 4}));
  std::vector<uint8_t> w(2 * 2 * 1 * 1 * 4);
  std::vector<float> ones(4, 0.5f);
  std::memcpy(w.data(), ones.data(), w.size());
  const int32_t w0 = g.AddConstant("w0", DType::kF32, {2, 2, 1, 1}, w);
  const int32_t w1 = g.AddConstant("w1", DType::kF32, {2, 2, 1, 1}, w);
  const int32_t a = g.AddTensor(F32("a", {}));
  const int32_t b = g.AddTensor(F32("b", {}));
  const int32_t y = g.AddTensor(F32("y", {}));
  g.nodes.push_back({"conv_0", "Conv", {}, {x, w0}, {a}});
  g.nodes.push_back({"relu_0", "Relu", {}, {a}, {b}});
  g.nodes.push_back({"conv_1", "Conv", {}, {b, w1}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  g.metadata.producer = "inspect_test";
  g.metadata.precision = "int8";
  g.metadata.properties["quantization.report"] = report;
  g.metadata.properties["purpose"] = "testing";
  return g;
}

class Inspect : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_inspect_test");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteModel(const std::string& report) {
    const std::string path = (dir_ / "model.mota").string();
    EXPECT_TRUE(converter::WriteModel(TwoConvGraph(report), path).ok());
    return path;
  }

  // `mota inspect <args>`: exit code and stdout (stderr goes to a file shown on failure).
  std::pair<int, std::string> Run(const std::string& args) {
    test_support::ToolResult r = test_support::RunTool(MOTA_CLI_PATH, "inspect " + args, dir_);
    EXPECT_EQ(r.err, "");
    return {r.exit_code, r.out};
  }

  fs::path dir_;
};

#define EXPECT_CONTAINS(haystack, needle)                                                        \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "expected '" << (needle) << "' in:\n" \
                                                        << (haystack)

TEST_F(Inspect, TextShowsTheQuantizationReportWithKeptLayersFirst) {
  const auto [code, out] = Run(WriteModel(Int8Report().dump()));
  ASSERT_EQ(code, 0) << out;
  EXPECT_CONTAINS(out, "quantization:   int8, method entropy");
  EXPECT_CONTAINS(out, "calibration:  dir, 32 samples, sha256 9f2c4e1b");
  EXPECT_CONTAINS(out, "13.4 MiB -> 3.4 MiB (14000000 -> 3600000 bytes, 3.89x smaller)");
  EXPECT_CONTAINS(out, "gate:         cosine >= 0.995, SQNR >= 0 dB: passed");
  EXPECT_CONTAINS(out, "model:        cosine 0.998100, SQNR 24.1 dB, max abs 0.03");
  EXPECT_CONTAINS(out, "output y: cosine 0.998100");
  EXPECT_CONTAINS(out, "layers:       3 (1 kept in fp32)");
  EXPECT_CONTAINS(out, "kept in fp32: SQNR 9.1 dB, the lowest; model cosine 0.991 < gate 0.995");
  // The table: header, then conv_1 (kept in fp32) before the int8 layers, in report order.
  const size_t header = out.find("precision  ");
  const size_t conv1 = out.find("conv_1  ");
  const size_t conv0 = out.find("conv_0  ");
  const size_t relu0 = out.find("relu_0  ");
  ASSERT_NE(header, std::string::npos) << out;
  EXPECT_LT(header, conv1);
  EXPECT_LT(conv1, conv0);
  EXPECT_LT(conv0, relu0);
  // The raw JSON is not repeated as a property line; other properties still are.
  EXPECT_EQ(out.find("quantization.report ="), std::string::npos) << out;
  EXPECT_CONTAINS(out, "property:       purpose = testing");
}

TEST_F(Inspect, JsonHasTheReportAsAnObjectNotAString) {
  const auto [code, out] = Run(WriteModel(Int8Report().dump()) + " --json");
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  ASSERT_TRUE(j["quantization_report"].is_object()) << out;
  EXPECT_EQ(j["quantization_report"], Int8Report());
  EXPECT_FALSE(j["metadata"]["properties"].contains("quantization.report"));
  EXPECT_EQ(j["metadata"]["properties"]["purpose"], "testing");
  EXPECT_EQ(j["metadata"]["precision"], "int8");
}

// fp16 reports have no method or calibration, and a failed gate must stand out.
TEST_F(Inspect, Fp16ReportWithAFailedGateAndMissingFields) {
  nlohmann::json r = Int8Report();
  r["precision"] = "fp16";
  r.erase("method");
  r.erase("calibration");
  r["gate"]["passed"] = false;
  r["layers"][0]["sqnr_db"] = nullptr;  // identical values: SQNR is infinite, written as null
  const auto [code, out] = Run(WriteModel(r.dump()));
  ASSERT_EQ(code, 0) << out;
  EXPECT_CONTAINS(out, "quantization:   fp16 (report format 1)");
  EXPECT_EQ(out.find("calibration:"), std::string::npos) << out;
  EXPECT_CONTAINS(out, ": FAILED");
  EXPECT_CONTAINS(out, "conv_0  Conv  int8              -");
}

TEST_F(Inspect, UnreadableReportIsNamedAndTheRestStillPrints) {
  const std::string model = WriteModel("{\"format\": 1, \"precision\": ");
  const auto [code, out] = Run(model);
  ASSERT_EQ(code, 0) << out;
  EXPECT_CONTAINS(out, "report unreadable: the metadata property quantization.report is not valid");
  EXPECT_CONTAINS(out, "Conv");
  const auto [jcode, jout] = Run(model + " --json");
  ASSERT_EQ(jcode, 0) << jout;
  const nlohmann::json j = nlohmann::json::parse(jout, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << jout;
  EXPECT_FALSE(j.contains("quantization_report"));
  EXPECT_CONTAINS(j["quantization_report_error"].get<std::string>(), "not valid JSON");
  // The raw text stays available.
  EXPECT_EQ(j["metadata"]["properties"]["quantization.report"], "{\"format\": 1, \"precision\": ");
}

TEST_F(Inspect, ModelWithoutAReportHasNoQuantizationSection) {
  model::Graph g = TwoConvGraph("");
  g.metadata.properties.erase("quantization.report");
  const std::string path = (dir_ / "plain.mota").string();
  ASSERT_TRUE(converter::WriteModel(g, path).ok());
  const auto [code, out] = Run(path);
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("quantization:"), std::string::npos) << out;
  const auto [jcode, jout] = Run(path + " --json");
  ASSERT_EQ(jcode, 0);
  EXPECT_FALSE(nlohmann::json::parse(jout).contains("quantization_report"));
}

}  // namespace
}  // namespace mota::cli
