// The passes on the real models in <shared>/models: each model converts with and without the
// passes, and both graphs give the same outputs on the reference backend for seeded inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "converter/src/convert.h"
#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

struct ModelCase {
  const char* file;
  std::vector<InputShapeOverride> shapes;
  int64_t dynamic_dims = 2;  // the size given to every dim left dynamic, for the numeric check
};

std::string Histogram(const model::Graph& g) {
  std::map<std::string, int> counts;
  for (const model::Node& n : g.nodes) {
    std::string key = n.op_type;
    const std::string act = n.attrs.GetString("activation", "");
    if (!act.empty()) key += "+" + act;
    ++counts[key];
  }
  std::string out;
  for (const auto& [op, count] : counts) out += op + ":" + std::to_string(count) + " ";
  return out;
}

// Converts `file` twice (passes off / on); nullopt (test skipped) when the model is absent.
std::optional<std::pair<model::Graph, model::Graph>> ConvertBoth(const ModelCase& c) {
  const std::string path = std::string(MOTA_SHARED_DIR) + "/models/" + c.file;
  if (!std::filesystem::exists(path)) return std::nullopt;
  ConvertOptions options;
  options.input_shapes = c.shapes;
  options.optimize = false;
  auto plain = ConvertOnnxFile(path, options);
  EXPECT_TRUE(plain.ok()) << plain.status().ToString();
  if (!plain.ok()) return std::nullopt;
  model::Graph optimized = *plain;
  Status s = RunPasses(optimized);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return std::nullopt;
  std::cout << "[   INFO   ] " << c.file << " before: " << Histogram(*plain) << "\n"
            << "[   INFO   ] " << c.file << " after:  " << Histogram(optimized) << "\n";
  return std::make_pair(std::move(plain).value(), std::move(optimized));
}

void PrintTo(const ModelCase& c, std::ostream* os) { *os << c.file; }

class PassesOnModels : public ::testing::TestWithParam<ModelCase> {};

TEST_P(PassesOnModels, KeepTheOutputs) {
  auto graphs = ConvertBoth(GetParam());
  if (!graphs) GTEST_SKIP() << GetParam().file << " is not available or does not convert";
  const auto& [plain, optimized] = *graphs;
  EXPECT_LE(optimized.nodes.size(), plain.nodes.size());
  EXPECT_EQ(CountOp(optimized, "Identity"), 0);
  ExpectSameOutputs(plain, optimized, 11, GetParam().dynamic_dims);
}

INSTANTIATE_TEST_SUITE_P(
    Shared, PassesOnModels,
    ::testing::Values(ModelCase{"mobilenet_v2.onnx", {}}, ModelCase{"resnet18.onnx", {}},
                      ModelCase{"squeezenet1_1.onnx", {}}, ModelCase{"mlp_784_256_10.onnx", {}},
                      ModelCase{"transformer_block_t128_d256.onnx", {}},
                      ModelCase{"ch_ppocr_mobile_v2.0_cls_infer.onnx", {{"x", {1, 3, 48, 192}}}},
                      // Left dynamic (N, H, W): shapes stay symbolic, the passes still apply.
                      ModelCase{"ch_ppocr_mobile_v2.0_cls_infer.onnx", {}, 64}),
    [](const ::testing::TestParamInfo<ModelCase>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      if (std::string(info.param.file).find("ppocr") != std::string::npos) {
        name += info.param.shapes.empty() ? "_dynamic" : "_static";
      }
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

}  // namespace
}  // namespace mota::converter
