#include "tools/mota/cli_util.h"

#include <gtest/gtest.h>

#include "tools/mota/random_inputs.h"
#include "tools/mota/tensor_summary.h"

namespace mota::cli {
namespace {

TEST(CliUtil, NameValueSplitsAtTheLastEquals) {
  auto nv = SplitNameValue("a=b=c.npy", "--input", "FILE.npy");
  ASSERT_TRUE(nv.ok());
  EXPECT_EQ(nv->first, "a=b");
  EXPECT_EQ(nv->second, "c.npy");
  auto bad = SplitNameValue("x.npy", "--input", "FILE.npy");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'x.npy' is not NAME=FILE.npy"), std::string::npos);
}

TEST(CliUtil, DimsParseWithCommasOrX) {
  EXPECT_EQ(*ParseDims("1,3,224,224"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(*ParseDims("1x3x48x192"), (Shape{1, 3, 48, 192}));
  EXPECT_EQ(*ParseDims(""), Shape{});
  for (const char* bad : {"1,,2", "1,-2", "a", "1,", "99999999999999999999"}) {
    EXPECT_FALSE(ParseDims(bad).ok()) << bad;
  }
}

TEST(CliUtil, SymbolicDimsPrintByName) {
  model::TensorInfo t;
  t.has_shape = true;
  t.dims = {{-1, "N"}, {3, {}}, {-1, {}}};
  EXPECT_EQ(DimsToString(t), "[N,3,?]");
  t.has_shape = false;
  EXPECT_EQ(DimsToString(t), "[?...]");
}

TEST(CliUtil, FileNamesStayInsideTheDirectoryAndAreUnique) {
  std::vector<std::string> used;
  EXPECT_EQ(SafeFileName("block/relu:0", &used), "block_relu_0");
  EXPECT_EQ(SafeFileName("../../etc/passwd", &used), "tensor_.._.._etc_passwd");
  EXPECT_EQ(SafeFileName("", &used), "tensor_");
  EXPECT_EQ(SafeFileName("block:relu/0", &used), "block_relu_0_1");
  EXPECT_EQ(SafeFileName("softmax_0.tmp_0", &used), "softmax_0.tmp_0");
}

TEST(CliUtil, LatencyPercentilesUseNearestRank) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  const LatencyStats s = ComputeLatencyStats(samples);
  EXPECT_EQ(s.runs, 100);
  EXPECT_DOUBLE_EQ(s.median_ms, 50.5);
  EXPECT_DOUBLE_EQ(s.p90_ms, 90);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
  EXPECT_DOUBLE_EQ(s.min_ms, 1);
  EXPECT_EQ(ComputeLatencyStats({}).runs, 0);
}

TEST(RandomInputs, Splitmix64MatchesTheReferenceStream) {
  // First outputs of the published splitmix64 with state 0.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.Next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(rng.Next(), 0x6E789E6AA1B965F4ull);
}

TEST(RandomInputs, ValuesAreReproducibleAndInRange) {
  exec::HostTensor a = exec::HostTensor::Allocate(DType::kF32, {1000});
  exec::HostTensor b = exec::HostTensor::Allocate(DType::kF32, {1000});
  FillRandom(a, 42, 0);
  FillRandom(b, 42, 0);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0);
  const TensorSummary s = Summarize(a.view());
  EXPECT_GE(s.min, -1.0);
  EXPECT_LT(s.max, 1.0);
  EXPECT_NEAR(s.mean, 0.0, 0.1);
  FillRandom(b, 42, 1);  // another input gets another stream
  EXPECT_NE(std::memcmp(a.data(), b.data(), a.nbytes()), 0);
  exec::HostTensor ints = exec::HostTensor::Allocate(DType::kI64, {1000});
  FillRandom(ints, 1, 0);
  const TensorSummary si = Summarize(ints.view());
  EXPECT_GE(si.min, 0);
  EXPECT_LE(si.max, 9);
}

TEST(TensorSummary, NonFiniteValuesAreCountedNotAveraged) {
  exec::HostTensor t = exec::HostTensor::Allocate(DType::kF32, {4});
  t.as<float>()[0] = 1;
  t.as<float>()[1] = std::numeric_limits<float>::quiet_NaN();
  t.as<float>()[2] = std::numeric_limits<float>::infinity();
  t.as<float>()[3] = 3;
  const TensorSummary s = Summarize(t.view(), 2);
  EXPECT_EQ(s.nan_count, 1);
  EXPECT_EQ(s.inf_count, 1);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_EQ(s.first.size(), 2u);
  EXPECT_NE(SummaryToText(s).find("nan 1"), std::string::npos);
  EXPECT_TRUE(SummaryToJson(s)["first"][1].is_null());
}

}  // namespace
}  // namespace mota::cli
