#include "quantizer/src/samples.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "exec/npy.h"

namespace mota::quantizer {
namespace {
namespace fs = std::filesystem;

// A one-input graph: x f32 [1, 3].
model::Graph OneInputGraph() {
  model::Graph g;
  model::TensorInfo x;
  x.name = "x";
  x.dtype = DType::kF32;
  x.has_shape = true;
  x.dims = {{1, {}}, {3, {}}};
  g.inputs.push_back(g.AddTensor(x));
  g.outputs.push_back(g.inputs[0]);
  return g;
}

class SampleDirTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(testing::TempDir()) / ("samples_" + std::to_string(::getpid()) + "_" +
                                           testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& sample, const std::string& file, DType dtype, Shape shape,
             float fill = 0.5f) {
    fs::create_directories(dir_ / sample);
    exec::HostTensor t = exec::HostTensor::Allocate(dtype, shape);
    if (dtype == DType::kF32)
      for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = fill;
    ASSERT_TRUE(exec::WriteNpy((dir_ / sample / file).string(), t.view()).ok());
  }

  std::string Error() {
    auto r = LoadSampleDir(OneInputGraph(), dir_.string());
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  }

  fs::path dir_;
};

TEST_F(SampleDirTest, LoadsSortedSamplesAndHashesThem) {
  Write("0002", "x.npy", DType::kF32, {1, 3}, 2.0f);
  Write("0001", "x.npy", DType::kF32, {1, 3}, 1.0f);
  auto set = LoadSampleDir(OneInputGraph(), dir_.string());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->samples.size(), 2u);
  EXPECT_EQ(set->names[0], "0001");
  EXPECT_FLOAT_EQ(set->samples[0][0].as<float>()[0], 1.0f);
  EXPECT_EQ(set->sha256.size(), 64u);
  Write("0001", "x.npy", DType::kF32, {1, 3}, 1.5f);
  auto changed = LoadSampleDir(OneInputGraph(), dir_.string());
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->sha256, set->sha256);
}

TEST_F(SampleDirTest, EmptyDirectoryIsRejected) {
  EXPECT_NE(Error().find("has no sample subdirectories"), std::string::npos);
}

TEST_F(SampleDirTest, MissingDirectoryIsRejected) {
  auto r = LoadSampleDir(OneInputGraph(), (dir_ / "nope").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not exist"), std::string::npos);
}

TEST_F(SampleDirTest, MissingInputFileNamesTheInput) {
  Write("0001", "y.npy", DType::kF32, {1, 3});
  const std::string e = Error();
  EXPECT_NE(e.find("no file for model input 'x'"), std::string::npos) << e;
}

TEST_F(SampleDirTest, WrongShapeNamesFileAndExpectedShape) {
  Write("0001", "x.npy", DType::kF32, {1, 4});
  const std::string e = Error();
  EXPECT_NE(e.find("x.npy' has shape [1,4]"), std::string::npos) << e;
  EXPECT_NE(e.find("expects [1,3]"), std::string::npos) << e;
}

TEST_F(SampleDirTest, WrongDtypeIsRejected) {
  Write("0001", "x.npy", DType::kI32, {1, 3});
  const std::string e = Error();
  EXPECT_NE(e.find("holds i32 data"), std::string::npos) << e;
  EXPECT_NE(e.find("expects f32"), std::string::npos) << e;
}

TEST_F(SampleDirTest, NanIsRejectedWithItsPosition) {
  Write("0001", "x.npy", DType::kF32, {1, 3}, NAN);
  const std::string e = Error();
  EXPECT_NE(e.find("at element 0"), std::string::npos) << e;
  EXPECT_NE(e.find("finite"), std::string::npos) << e;
}

TEST_F(SampleDirTest, UnexpectedFileIsRejected) {
  Write("0001", "x.npy", DType::kF32, {1, 3});
  Write("0001", "mask.npy", DType::kF32, {1, 3});
  const std::string e = Error();
  EXPECT_NE(e.find("'mask.npy', which names no model input"), std::string::npos) << e;
}

TEST(RandomSamples, AreSeededAndNeedStaticFloatInputs) {
  auto a = RandomSamples(OneInputGraph(), 2, 7);
  auto b = RandomSamples(OneInputGraph(), 2, 7);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_NE(a->sha256, RandomSamples(OneInputGraph(), 2, 8)->sha256);
  model::Graph dynamic = OneInputGraph();
  dynamic.tensors[0].dims[0] = {-1, "N"};
  auto r = RandomSamples(dynamic, 2, 7);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("use --calibration DIR"), std::string::npos);
  EXPECT_FALSE(RandomSamples(OneInputGraph(), 0, 7).ok());
}

}  // namespace
}  // namespace mota::quantizer
