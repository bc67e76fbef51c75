// End to end on the real PaddleOCR classifier (a MobileNetV3-style net with SE blocks and
// hard-swish): each precision's graph form, the gate, mixed precision, determinism, refusals.
#include "quantizer/src/quantize.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <map>

#include "converter/src/convert.h"
#include "converter/src/writer.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "model/loader.h"
#include "quantizer/src/weight_only.h"

namespace mota::quantizer {
namespace {

const model::Graph& Classifier() {
  static const model::Graph graph = [] {
    converter::ConvertOptions options;
    options.input_shapes.push_back({"x", {1, 3, 48, 192}});
    auto g = converter::ConvertOnnxFile(std::string(MOTA_SHARED_DIR) + "/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
                                        options);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? std::move(*g) : model::Graph{};
  }();
  return graph;
}

QuantizeOptions Options(const std::string& precision) {
  QuantizeOptions o;
  o.precision = precision;
  o.calibration_random = 4;
  o.seed = 3;
  return o;
}

std::map<std::string, int> OpCounts(const model::Graph& g) {
  std::map<std::string, int> counts;
  for (const model::Node& n : g.nodes) ++counts[n.op_type];
  return counts;
}

int ConstantsOf(const model::Graph& g, DType dtype) {
  int n = 0;
  for (const model::TensorInfo& t : g.tensors) n += t.is_constant && t.dtype == dtype;
  return n;
}

// The quantized file's size over the fp32 file's (what bench/quant/RESULTS.md reports). On this
// small model graph bytes per node and tensor weigh: these bounds hold the measured sizes
// (bench/quant/RESULTS.md, "Where the bytes go") against per-node overhead creeping back.
double FileRatio(const QuantizeResult& r) {
  auto fp32 = converter::SerializeModel(Classifier());
  EXPECT_TRUE(fp32.ok());
  return fp32.ok() ? static_cast<double>(r.bytes.size()) / static_cast<double>(fp32->size()) : 0;
}

// The written bytes load, run on the auto backend, and carry precision and report.
void ExpectLoadsAndRuns(const QuantizeResult& r, const std::string& precision) {
  auto model = model::Model::LoadFromBuffer(r.bytes);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const model::Graph& g = (*model)->graph();
  EXPECT_EQ(g.metadata.precision, precision);
  const auto report = nlohmann::json::parse(g.metadata.properties.at("quantization.report"));
  EXPECT_EQ(report["precision"], precision);
  EXPECT_EQ(report["size"]["after"], r.bytes.size());
  auto backend = exec::CreateBackend("auto", {});
  ASSERT_TRUE(backend.ok());
  auto session = exec::Session::Create(g, std::move(*backend));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  exec::HostTensor x = exec::HostTensor::Allocate(DType::kF32, {1, 3, 48, 192});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = static_cast<float>(i % 97) / 97.0f - 0.5f;
  const exec::TensorView in = x.view();
  auto out = (*session)->Run({&in, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float* p = (*out)[0].as<float>();
  EXPECT_NEAR(p[0] + p[1], 1.0f, 1e-4f);  // still a softmax
}

TEST(Quantize, Fp16StoresHalfWeightsReadThroughCast) {
  auto r = Quantize(Classifier(), 552392, Options("fp16"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->report.passed);
  EXPECT_GE(r->report.model.cosine, 0.9999);
  EXPECT_GT(ConstantsOf(r->graph, DType::kF16), 50);
  EXPECT_EQ(OpCounts(r->graph)["Cast"], ConstantsOf(r->graph, DType::kF16));
  // What stays f32 is what f16 + Cast would have made bigger: constants below two data slots.
  for (const model::TensorInfo& t : r->graph.tensors) {
    if (t.is_constant && t.dtype == DType::kF32) {
      EXPECT_FALSE(HalfSavesBytes(NumElements(t.StaticShape()))) << t.name;
    }
  }
  EXPECT_LT(FileRatio(*r), 0.545);
  ExpectLoadsAndRuns(*r, "fp16");
}

TEST(Quantize, HalfIsStoredOnlyWhereItFreesTwoDataSlots) {
  EXPECT_FALSE(HalfSavesBytes(0));
  EXPECT_FALSE(HalfSavesBytes(16));  // 64 -> 64 bytes of data, plus a Cast node
  EXPECT_FALSE(HalfSavesBytes(48));  // 192 -> 128
  EXPECT_TRUE(HalfSavesBytes(49));   // 256 -> 128
  EXPECT_TRUE(HalfSavesBytes(1 << 20));
}

TEST(Quantize, Int8WeightsArePerChannelAndDequantizedAtLoad) {
  auto r = Quantize(Classifier(), 552392, Options("int8-weights"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->report.passed);
  EXPECT_GE(r->report.model.cosine, 0.999);
  const auto ops = OpCounts(r->graph);
  EXPECT_GT(ops.at("DequantizeLinear"), 40);
  EXPECT_EQ(ops.count("QLinearConv"), 0u);
  // Symmetric weights need no zero point input (0 when absent): no tensors of zeros.
  for (const model::Node& n : r->graph.nodes) {
    if (n.op_type == "DequantizeLinear") {
      EXPECT_EQ(n.inputs.size(), 2u) << n.name;
    }
  }
  EXPECT_EQ(ConstantsOf(r->graph, DType::kI8), ops.at("DequantizeLinear"));
  EXPECT_LT(FileRatio(*r), 0.365);
  ExpectLoadsAndRuns(*r, "int8-weights");
}

TEST(Quantize, Int8ChainsQLinearOpsAndPassesTheGate) {
  auto r = Quantize(Classifier(), 552392, Options("int8"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->report.passed) << r->report.model.cosine;
  const auto ops = OpCounts(r->graph);
  EXPECT_GT(ops.at("QLinearConv"), 40);
  EXPECT_GT(ops.at("QLinearMul"), 0);
  EXPECT_GT(ops.at("QLinearGlobalAveragePool"), 0);
  // Int8 ops chain: far fewer quantize / dequantize nodes than quantized layers, besides the
  // pair around each split-off activation (DequantizeLinear -> HardSwish -> QuantizeLinear).
  EXPECT_LT(ops.at("QuantizeLinear") + ops.at("DequantizeLinear") - 2 * ops.at("HardSwish"),
            ops.at("QLinearConv") / 2);
  EXPECT_EQ(r->report.calibration_source, "random");
  EXPECT_FALSE(r->report.notes.empty());  // the random-data warning
  for (const LayerReport& l : r->report.layers) EXPECT_TRUE(l.measured) << l.node;
  EXPECT_LT(FileRatio(*r), 0.425);
  ExpectLoadsAndRuns(*r, "int8");
}

// HardSwish after a conv is not fused into the QLinearConv: the conv requantizes in integers
// into the calibrated pre-activation range, and DequantizeLinear -> HardSwish -> QuantizeLinear
// follows (the fast CPU path runs it as a 256-entry table). Relu / Clip stay fused (a clamp).
// So do saturating activations (HardSigmoid).
TEST(Quantize, Int8ConvHardSwishBecomesAQdqChainAfterThePreActivationRange) {
  auto r = Quantize(Classifier(), 552392, Options("int8"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const model::Graph& g = r->graph;
  std::vector<int32_t> producer(g.tensors.size(), -1);
  for (size_t n = 0; n < g.nodes.size(); ++n)
    for (int32_t t : g.nodes[n].outputs) producer[t] = static_cast<int32_t>(n);
  int chains = 0, below = 0;
  for (const model::Node& n : g.nodes) {
    if (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul") {
      const std::string act = n.attrs.GetString("activation", "");
      // HardSigmoid (the SE gates) stays fused: it saturates, a table would lose resolution.
      EXPECT_TRUE(act.empty() || act == "Relu" || act == "Clip" || act == "HardSigmoid")
          << n.name << ": " << act;
    }
    if (n.op_type != "HardSwish") continue;
    const model::Node& dq = g.nodes[producer[n.inputs[0]]];
    ASSERT_EQ(dq.op_type, "DequantizeLinear") << n.name;
    const model::Node& conv = g.nodes[producer[dq.inputs[0]]];
    EXPECT_EQ(conv.op_type, "QLinearConv") << n.name;
    // The conv's output range is the pre-activation one: it usually reaches below HardSwish's
    // minimum, -0.375 (a post-activation range never does).
    const model::QuantParams& q = g.tensors[dq.inputs[0]].quant;
    ASSERT_EQ(q.scales.size(), 1u) << n.name;
    below += q.scales[0] * static_cast<float>(-128 - q.zero_points[0]) < -0.4f;
    ++chains;
  }
  EXPECT_GT(chains, 10);
  EXPECT_GT(below, chains / 2);
}

// The whole int8 classifier on the auto backend (int8 GEMM, depthwise, QDQ tables, ...) gives the
// reference backend's bytes for every int8 tensor, not only close outputs.
TEST(Quantize, Int8ClassifierOnTheFastBackendIsBitExactWithTheReference) {
  auto r = Quantize(Classifier(), 552392, Options("int8"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  model::Graph g = r->graph;
  for (const model::Node& n : g.nodes)
    for (int32_t t : n.outputs)
      if (g.tensors[t].dtype == DType::kI8) g.outputs.push_back(t);
  ASSERT_TRUE(g.Validate().ok());
  exec::HostTensor x = exec::HostTensor::Allocate(DType::kF32, {1, 3, 48, 192});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.as<float>()[i] = static_cast<float>((i * 37) % 101) / 50.0f - 1.0f;
  const exec::TensorView in = x.view();
  std::vector<std::vector<exec::HostTensor>> outs;
  for (const char* name : {"reference", "auto"}) {
    auto backend = exec::CreateBackend(name, {});
    ASSERT_TRUE(backend.ok());
    auto session = exec::Session::Create(g, std::move(*backend));
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    auto out = (*session)->Run({&in, 1});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    outs.push_back(std::move(*out));
  }
  for (size_t o = 1; o < g.outputs.size(); ++o) {
    const exec::HostTensor& want = outs[0][o];
    const exec::HostTensor& got = outs[1][o];
    ASSERT_EQ(got.nbytes(), want.nbytes());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.nbytes()), 0)
        << "int8 tensor " << g.tensors[g.outputs[o]].name;
  }
}

TEST(Quantize, UnreachableGateKeepsEveryLayerInFp32AndFails) {
  QuantizeOptions o = Options("int8");
  o.min_sqnr_db = 150;  // only an exact (all-fp32) model reaches it
  auto r = Quantize(Classifier(), 552392, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->report.passed);  // all fp32 is not an int8 model
  EXPECT_NE(ReportToText(r->report).find("no int8 variant meets it"), std::string::npos);
  EXPECT_EQ(OpCounts(r->graph).count("QLinearConv"), 0u);
  for (const LayerReport& l : r->report.layers) {
    EXPECT_EQ(l.precision, "fp32") << l.node;
    EXPECT_NE(l.reason.find("kept in fp32: isolated SQNR"), std::string::npos) << l.reason;
  }
}

TEST(Quantize, Int8WeightsWithAnUnreachableGateKeepEveryLayerAndFail) {
  QuantizeOptions o = Options("int8-weights");
  o.min_sqnr_db = 150;
  auto r = Quantize(Classifier(), 552392, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->report.passed);
  EXPECT_NE(ReportToText(r->report).find("no int8-weights variant meets it"), std::string::npos);
  EXPECT_EQ(OpCounts(r->graph).count("DequantizeLinear"), 0u);
  ASSERT_FALSE(r->report.layers.empty());
  for (const LayerReport& l : r->report.layers) EXPECT_EQ(l.precision, "fp32") << l.node;
}

TEST(Quantize, GateMissIsReportedNotHidden) {
  QuantizeOptions o = Options("fp16");
  o.min_sqnr_db = 250;  // above the exact-result cap: no model can pass
  auto r = Quantize(Classifier(), 552392, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->report.passed);
  EXPECT_NE(ReportToText(r->report).find("FAILED"), std::string::npos);
}

TEST(Quantize, SameInputsGiveIdenticalBytes) {
  for (const char* precision : {"fp16", "int8"}) {
    auto a = Quantize(Classifier(), 552392, Options(precision));
    auto b = Quantize(Classifier(), 552392, Options(precision));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->bytes, b->bytes) << precision;
  }
}

TEST(Quantize, QuantizedModelIsRefused) {
  auto r = Quantize(Classifier(), 552392, Options("fp16"));
  ASSERT_TRUE(r.ok());
  auto again = Quantize(r->graph, r->bytes.size(), Options("int8"));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already quantized (metadata precision 'fp16')"), std::string::npos)
      << again.status().message();
  model::Graph stripped = r->graph;
  stripped.metadata.precision.clear();
  auto by_content = Quantize(stripped, r->bytes.size(), Options("int8"));
  ASSERT_FALSE(by_content.ok());
  EXPECT_NE(by_content.status().message().find("already quantized"), std::string::npos);
}

// The MLP is two Gemm layers: they quantize as 1x1 QLinearConv with an exact i32 bias.
TEST(Quantize, GemmLayersQuantizeThroughOneByOneConv) {
  auto g = converter::ConvertOnnxFile(std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx", {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  auto r = Quantize(*g, 815848, Options("int8"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->report.passed) << r->report.model.cosine;
  EXPECT_GE(r->report.model.cosine, 0.999);
  const auto ops = OpCounts(r->graph);
  EXPECT_EQ(ops.at("QLinearConv"), 2);
  EXPECT_EQ(ops.count("Gemm"), 0u);
  EXPECT_LT(r->bytes.size(), 815848u * 3 / 10);
}

TEST(Quantize, AModelWithNothingToQuantizeMissesTheGate) {
  model::Graph g;
  model::TensorInfo x;
  x.name = "x";
  x.dtype = DType::kF32;
  x.has_shape = true;
  x.dims = {{1, {}}, {8, {}}};
  model::TensorInfo y = x;
  y.name = "y";
  g.inputs = {g.AddTensor(x)};
  g.outputs = {g.AddTensor(y)};
  g.nodes.push_back({"softmax", "Softmax", {}, {g.inputs[0]}, {g.outputs[0]}});
  auto r = Quantize(g, 1000, Options("int8"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->report.passed);
  EXPECT_NE(ReportToText(r->report).find("nothing to quantize"), std::string::npos);
}

TEST(Quantize, BadOptionsAreRejected) {
  auto r = Quantize(Classifier(), 1, Options("int4"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expected int8, fp16 or int8-weights"), std::string::npos);
  QuantizeOptions both = Options("int8");
  both.calibration_dir = "/nonexistent";
  EXPECT_NE(Quantize(Classifier(), 1, both).status().message().find("not both"), std::string::npos);
}

}  // namespace
}  // namespace mota::quantizer
