#include "packager/src/chunk_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

#include "base/file.h"
#include "converter/src/convert.h"
#include "converter/src/writer.h"
#include "packager/measure/classifier_edit.h"
#include "quantizer/src/quantize.h"
#include "tests/support/test_dir.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;

const char* const kSharedModels[] = {"mobilenet_v2",
                                     "resnet18",
                                     "squeezenet1_1",
                                     "mlp_784_256_10",
                                     "transformer_block_t128_d256",
                                     "ch_ppocr_mobile_v2.0_cls_infer"};

// Tests of byte-exactness use a fast level; the level does not change what is checked.
constexpr CompressionOptions kFast{.level = 3};

model::Graph ConvertShared(const std::string& name) {
  auto graph =
      converter::ConvertOnnxFile(std::string(MOTA_SHARED_DIR) + "/models/" + name + ".onnx", {});
  EXPECT_TRUE(graph.ok()) << name << ": " << graph.status().ToString();
  return graph.ok() ? std::move(graph).value() : model::Graph{};
}

std::vector<uint8_t> Serialize(const model::Graph& graph) {
  auto bytes = converter::SerializeModel(graph);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>{};
}

class ChunkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test_support::PerTestDir("mota_chunk_store"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Dir(const std::string& sub) const { return (dir_ / sub).string(); }
  ChunkStore Open(const std::string& sub, CompressionOptions options = kFast) {
    auto store = ChunkStore::Open(Dir(sub), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }
  static size_t BlobCount(const std::string& store_dir) {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(store_dir + "/blobs"), fs::directory_iterator()));
  }
  fs::path dir_;
};

// The index goes through its canonical text and back, as it does between packager and device.
bundle::VariantIndex RoundTrip(const bundle::VariantIndex& index) {
  auto text = bundle::SerializeIndex(index);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto parsed = bundle::ParseIndex(text.value());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.value();
}

TEST_F(ChunkStoreTest, six_shared_models_reassemble_byte_exact) {
  ChunkStore store = Open("store");
  for (const char* name : kSharedModels) {
    std::vector<uint8_t> model = Serialize(ConvertShared(name));
    ASSERT_FALSE(model.empty()) << name;
    auto packed = store.AddModel(model);
    ASSERT_TRUE(packed.ok()) << name << ": " << packed.status().ToString();
    std::string out = Dir(std::string(name) + ".mota");
    Status s = bundle::AssembleFile(RoundTrip(packed.value().index), store.Source(), out);
    ASSERT_TRUE(s.ok()) << name << ": " << s.ToString();
    EXPECT_EQ(ReadFile(out).value(), model) << name;
    std::printf("%-32s %10zu bytes  %4zu chunks  %10llu stored\n", name, model.size(),
                packed.value().stats.chunks,
                static_cast<unsigned long long>(packed.value().stats.stored_bytes));
  }
}

TEST_F(ChunkStoreTest, packaging_the_same_model_twice_gives_identical_blobs_and_index) {
  std::vector<uint8_t> model = Serialize(ConvertShared("squeezenet1_1"));
  ChunkStore a = Open("a", {}), b = Open("b", {});  // the default (chosen) compression
  auto pa = a.AddModel(model), pb = b.AddModel(model);
  ASSERT_TRUE(pa.ok() && pb.ok());
  EXPECT_EQ(bundle::SerializeIndex(pa.value().index).value(),
            bundle::SerializeIndex(pb.value().index).value());
  for (const auto& entry : fs::directory_iterator(Dir("a") + "/blobs")) {
    std::string name = entry.path().filename().string();
    EXPECT_EQ(ReadFile(entry.path().string()).value(),
              ReadFile(Dir("b") + "/blobs/" + name).value())
        << name;
  }
  EXPECT_EQ(BlobCount(Dir("a")), BlobCount(Dir("b")));
}

// Quantizes with seeded random calibration (the chunking, not the accuracy, is under test).
std::vector<uint8_t> QuantizedVariant(const model::Graph& fp32, size_t fp32_size,
                                      const std::string& precision) {
  quantizer::QuantizeOptions q;
  q.precision = precision;
  q.calibration_random = 2;
  auto result = quantizer::Quantize(fp32, fp32_size, q);
  EXPECT_TRUE(result.ok()) << precision << ": " << result.status().ToString();
  return result.ok() ? std::move(result).value().bytes : std::vector<uint8_t>{};
}

TEST_F(ChunkStoreTest, fp32_and_int8_variants_store_shared_chunks_once) {
  model::Graph fp32 = ConvertShared("mobilenet_v2");
  std::vector<std::vector<uint8_t>> variants = {Serialize(fp32)};
  variants.push_back(QuantizedVariant(fp32, variants[0].size(), "int8"));
  variants.push_back(QuantizedVariant(fp32, variants[0].size(), "int8-weights"));

  ChunkStore store = Open("store");
  std::set<std::string> distinct;
  size_t written = 0, references = 0;
  for (const auto& bytes : variants) {
    auto packed = store.AddModel(bytes);
    ASSERT_TRUE(packed.ok()) << packed.status().ToString();
    for (const auto& c : packed.value().index.chunks) distinct.insert(c.sha256);
    written += packed.value().stats.new_chunks;
    references += packed.value().stats.chunks;
    auto again = store.AddModel(bytes);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value().stats.new_chunks, 0u) << "a variant already packaged adds nothing";
    EXPECT_EQ(again.value().index, packed.value().index);
  }
  EXPECT_EQ(BlobCount(Dir("store")), distinct.size()) << "every distinct chunk stored exactly once";
  EXPECT_EQ(written, distinct.size());
  EXPECT_LT(distinct.size(), references) << "fp32 and int8-weights share their fp32 layers";
  std::printf("fp32 + int8 + int8-weights: %zu chunk references, %zu blobs stored\n", references,
              distinct.size());
}

struct Delta {
  uint64_t new_bytes = 0, total_bytes = 0;
  double fraction() const {
    return static_cast<double>(new_bytes) / static_cast<double>(total_bytes);
  }
};

// Packages release 1, then release 2 (`edit` applied to the classifier) into the same store:
// the new blobs are what a device holding release 1 downloads.
Delta ReleaseDelta(ChunkStore* store, const std::function<void(model::Graph*, int)>& edit) {
  model::Graph g = ConvertShared("mobilenet_v2");
  auto r1 = store->AddModel(Serialize(g));
  EXPECT_TRUE(r1.ok());
  int node = measure::LastClassifierNode(g);
  EXPECT_GE(node, 0);
  edit(&g, node);
  auto r2 = store->AddModel(Serialize(g));
  EXPECT_TRUE(r2.ok());
  EXPECT_NE(r1.value().index.sha256, r2.value().index.sha256) << "the edit changed nothing";
  return {r2.value().stats.new_stored_bytes, r2.value().stats.stored_bytes};
}

TEST_F(ChunkStoreTest, a_release_retraining_ten_classes_costs_under_five_percent) {
  ChunkStore store = Open("store", {});
  Delta d = ReleaseDelta(&store, [](model::Graph* g, int node) {
    const auto& w = g->tensors[g->nodes[node].inputs[1]];
    ASSERT_EQ(w.dims.size() >= 2 ? w.dims[0].value : 0, 1000)
        << "classes are the weight's first dim";
    ASSERT_TRUE(measure::RetrainTenClasses(g, node));
  });
  std::printf("ten classes retrained: %llu new of %llu bytes = %.2f%%\n",
              static_cast<unsigned long long>(d.new_bytes),
              static_cast<unsigned long long>(d.total_bytes), 100 * d.fraction());
  EXPECT_LE(d.fraction(), 0.05);
}

TEST_F(ChunkStoreTest, a_release_retraining_the_whole_classifier_sends_only_its_chunks) {
  ChunkStore store = Open("store", kFast);
  uint64_t weight_bytes = 0;
  Delta d = ReleaseDelta(&store, [&](model::Graph* g, int node) {
    weight_bytes = g->tensors[g->nodes[node].inputs[1]].constant.size;
    ASSERT_TRUE(measure::RetrainWholeClassifier(g, node));
  });
  std::printf("whole classifier retrained (%llu weight bytes): %llu new of %llu bytes = %.2f%%\n",
              static_cast<unsigned long long>(weight_bytes),
              static_cast<unsigned long long>(d.new_bytes),
              static_cast<unsigned long long>(d.total_bytes), 100 * d.fraction());
  // The changed tensor itself plus at most the head chunk and the bias's pack (<= 1.3 MiB).
  EXPECT_LE(d.new_bytes, weight_bytes + (uint64_t{13} << 20) / 10);
}

TEST_F(ChunkStoreTest, a_damaged_blob_in_the_store_is_reported_not_reused) {
  std::vector<uint8_t> model = Serialize(ConvertShared("mlp_784_256_10"));
  ChunkStore store = Open("store");
  auto packed = store.AddModel(model);
  ASSERT_TRUE(packed.ok());
  std::string victim = store.BlobPath(packed.value().index.chunks[1].sha256);
  std::vector<uint8_t> frame = ReadFile(victim).value();
  frame[frame.size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomic(victim, frame).ok());
  auto again = store.AddModel(model);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kDataLoss) << again.status().ToString();
  EXPECT_NE(again.status().message().find(victim), std::string::npos) << again.status().ToString();
}

TEST_F(ChunkStoreTest, self_test_blobs_are_stored_like_chunks) {
  ChunkStore store = Open("store");
  std::vector<uint8_t> npy(5000, 7);
  auto ref = store.AddBlob("input", npy);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref.value().size, 5000u);
  EXPECT_TRUE(store.Contains(ref.value().sha256));
  auto raw =
      bundle::DecodeVerified("blob", ref.value().sha256, ref.value().size, ref.value().zstd_sha256,
                             ref.value().zstd_size, store.ReadFrame(ref.value().sha256).value());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.value(), npy);
  EXPECT_FALSE(store.AddBlob("empty", {}).ok());
}

}  // namespace
}  // namespace mota::packager
