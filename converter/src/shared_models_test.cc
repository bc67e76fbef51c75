// Every model in <shared>/models converts (with and without the passes), serializes, and
// converts to identical bytes twice. Running them against ONNX Runtime is tests/models' job.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"
#include "converter/src/convert.h"
#include "converter/src/writer.h"

namespace mota::converter {
namespace {

struct SharedModel {
  const char* name;
  std::vector<InputShapeOverride> shapes;
  const char* output;
};

const std::vector<SharedModel>& Models() {
  static const std::vector<SharedModel> models = {
      {"mobilenet_v2", {}, "output"},
      {"resnet18", {}, "output"},
      {"squeezenet1_1", {}, "output"},
      {"mlp_784_256_10", {}, "output"},
      {"transformer_block_t128_d256", {}, "output"},
      {"ch_ppocr_mobile_v2.0_cls_infer", {{"x", {1, 3, 48, 192}}}, "softmax_0.tmp_0"},
  };
  return models;
}

class SharedModels : public ::testing::TestWithParam<size_t> {};

TEST_P(SharedModels, ConvertsSerializesAndIsDeterministic) {
  const SharedModel& m = Models()[GetParam()];
  const std::string path = std::string(MOTA_SHARED_DIR) + "/models/" + m.name + ".onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not there";
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  for (bool optimize : {false, true}) {
    ConvertOptions options;
    options.optimize = optimize;
    options.input_shapes = m.shapes;
    auto g = ConvertOnnx(*bytes, options);
    ASSERT_TRUE(g.ok()) << m.name << " optimize=" << optimize << ": " << g.status().ToString();
    ASSERT_EQ(g->outputs.size(), 1u);
    EXPECT_EQ(g->tensors[g->outputs[0]].name, m.output);
    ASSERT_EQ(g->inputs.size(), 1u);
    EXPECT_TRUE(g->tensors[g->inputs[0]].IsStaticShape()) << m.name;
    auto serialized = SerializeModel(*g);
    ASSERT_TRUE(serialized.ok()) << serialized.status().ToString();
    auto again = ConvertOnnx(*bytes, options);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*SerializeModel(*again), *serialized) << m.name << " is not deterministic";
  }
}

INSTANTIATE_TEST_SUITE_P(All, SharedModels, ::testing::Range<size_t>(0, 6),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string name = Models()[info.param].name;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace mota::converter
