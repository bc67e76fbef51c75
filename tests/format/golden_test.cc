// The golden corpus: every valid file loads and runs, every invalid one fails with its specific
// error (never a crash), and the writer still produces the committed bytes.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "base/file.h"
#include "converter/src/writer.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "model/loader.h"
#include "tests/format/golden.h"

namespace mota {
namespace {

std::string GoldenPath(const std::string& kind, const std::string& name) {
  return std::string(MOTA_SOURCE_DIR) + "/manifests/golden/" + kind + "/" + name;
}

TEST(GoldenValid, CommittedFilesMatchTheWriterAndRun) {
  auto files = golden::BuildValid();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  for (const golden::GoldenFile& f : *files) {
    SCOPED_TRACE(f.name);
    auto committed = ReadFile(GoldenPath("valid", f.name));
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    EXPECT_EQ(*committed, f.bytes) << "the writer's output changed: if on purpose, bump the format "
                                      "version or regenerate with mota_make_golden";
    auto model = model::Model::Load(GoldenPath("valid", f.name));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const model::Graph& g = (*model)->graph();
    std::vector<exec::HostTensor> inputs;
    std::vector<exec::TensorView> views;
    for (int32_t t : g.inputs) {
      Shape shape = g.tensors[t].StaticShape();
      for (int64_t& d : shape) d = d < 0 ? 3 : d;
      inputs.push_back(exec::HostTensor::Allocate(g.tensors[t].dtype, shape));
      views.push_back(inputs.back().view());
    }
    exec::Session session(g, exec::CreateBackend("reference", {}).value());
    auto out = session.Run(views);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->size(), g.outputs.size());
  }
}

TEST(GoldenValid, AllDTypesRoundTripValuesAndQuantParams) {
  auto model = model::Model::Load(GoldenPath("valid", "all_dtypes.mota"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const model::Graph& g = (*model)->graph();
  const model::TensorInfo& i8 = g.tensors[g.FindTensor("i8")];
  ASSERT_EQ(i8.quant.scales, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(i8.quant.axis, 0);
  EXPECT_EQ(reinterpret_cast<const int8_t*>(i8.constant.data)[5], 127);
  const model::TensorInfo& i64 = g.tensors[g.FindTensor("i64")];
  EXPECT_EQ(reinterpret_cast<const int64_t*>(i64.constant.data)[1], int64_t{1} << 40);
  for (const model::TensorInfo& t : g.tensors) {
    if (t.is_constant) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.constant.data) % 64, 0u) << t.name;
    }
  }
}

TEST(GoldenInvalid, EachFileFailsWithItsError) {
  auto files = golden::BuildInvalid();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  for (const golden::GoldenFile& f : *files) {
    SCOPED_TRACE(f.name);
    auto committed = ReadFile(GoldenPath("invalid", f.name));
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    EXPECT_EQ(*committed, f.bytes);
    auto model = model::Model::Load(GoldenPath("invalid", f.name));
    ASSERT_FALSE(model.ok()) << "loaded a broken file";
    EXPECT_NE(model.status().message().find(f.expected_error), std::string::npos)
        << "got: " << model.status().message();
  }
}

// Every single-byte truncation point and many byte flips of a valid file end in a status.
TEST(HostileFiles, TruncationsAndByteFlipsNeverCrash) {
  auto files = golden::BuildValid();
  ASSERT_TRUE(files.ok());
  const std::vector<uint8_t>& base = (*files)[0].bytes;
  for (size_t cut = 0; cut < base.size(); ++cut) {
    std::vector<uint8_t> bytes(base.begin(), base.begin() + cut);
    EXPECT_FALSE(model::Model::LoadFromBuffer(bytes).ok()) << "cut at " << cut;
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  int loaded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> bytes = base;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t pos = (state >> 33) % bytes.size();
    bytes[pos] ^= static_cast<uint8_t>(1u << ((state >> 20) % 8));
    auto m = model::Model::LoadFromBuffer(bytes);
    if (!m.ok()) continue;
    ++loaded;  // a flip in a name or a float value can stay valid: then it must also run or fail cleanly
    const model::Graph& g = (*m)->graph();
    std::vector<Shape> shapes;
    for (int32_t t : g.inputs) {
      Shape s = g.tensors[t].StaticShape();
      for (int64_t& d : s) d = d < 0 ? 1 : std::min<int64_t>(d, 8);
      shapes.push_back(s);
    }
    exec::Session session(g, exec::CreateBackend("reference", {}).value());
    (void)session.Prepare(shapes);
  }
  EXPECT_LT(loaded, 20000);
}

long RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A 50 MB model loads without copying its weights: constants point into the mapping and
// resident memory does not grow by the weights' size.
TEST(Loader, FiftyMegabyteModelIsUsedInPlace) {
  model::Graph g;
  model::TensorInfo x;
  x.name = "x";
  x.dtype = DType::kF32;
  x.has_shape = true;
  x.dims = {{1, {}}};
  const int32_t xi = g.AddTensor(x);
  const int64_t count = 50 * 1024 * 1024 / 4;
  std::vector<uint8_t> weights(static_cast<size_t>(count) * 4);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<uint8_t>(i * 2654435761u >> 24);
  const int32_t w = g.AddConstant("w", DType::kF32, {count}, std::move(weights));
  model::TensorInfo y = x;
  y.name = "y";
  const int32_t yi = g.AddTensor(y);
  g.nodes.push_back({"relu", "Relu", {}, {xi}, {yi}});
  g.inputs = {xi};
  g.outputs = {yi};
  (void)w;
  const std::string path = std::string(MOTA_BINARY_DIR) + "/loader_50mb_test.mota";
  ASSERT_TRUE(converter::WriteModel(g, path).ok());
  g = model::Graph();  // drop the writer's copy before measuring

  const long before = RssKiB();
  auto model = model::Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const long after = RssKiB();
  const model::TensorInfo& wt = (*model)->graph().tensors[(*model)->graph().FindTensor("w")];
  const uint8_t* begin = (*model)->file_bytes().data();
  const uint8_t* end = begin + (*model)->file_bytes().size();
  EXPECT_GE(wt.constant.data, begin);
  EXPECT_LE(wt.constant.data + wt.constant.size, end);
  EXPECT_EQ(wt.constant.owner, nullptr);
  EXPECT_LT(after - before, 4 * 1024) << "loading grew RSS by " << (after - before) << " KiB";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mota
