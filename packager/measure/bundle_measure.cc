// Measurements behind manifests/spec/bundle-format.md (not a product tool):
//   mota_bundle_measure levels FILE.mota...   zstd level / long mode: ratio, MB/s per chunk plan
//   mota_bundle_measure sweep MODEL.onnx      chunk sizes: chunks, stored bytes, release deltas
//   mota_bundle_measure time FILE.mota        chunking + compression time with the chosen options
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "converter/src/convert.h"
#include "converter/src/writer.h"
#include "manifests/lib/bundle/chunk_plan.h"
#include "manifests/lib/bundle/sha256.h"
#include "packager/measure/classifier_edit.h"
#include "packager/src/chunk_store.h"

namespace mota::packager::measure {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Levels(const std::vector<std::string>& files) {
  std::printf(
      "| file | level | long | raw bytes | stored bytes | ratio | compress MB/s | decompress MB/s "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const std::string& path : files) {
    std::vector<uint8_t> file = ReadFile(path).value();
    std::vector<bundle::ChunkSpan> plan = bundle::PlanChunks(file).value();
    for (int level : {3, 9, 19}) {
      for (bool long_mode : {false, true}) {
        uint64_t stored = 0;
        std::vector<std::vector<uint8_t>> frames;
        auto t0 = std::chrono::steady_clock::now();
        for (const auto& s : plan) {
          frames.push_back(
              CompressChunk({file.data() + s.offset, s.size}, {level, long_mode}).value());
          stored += frames.back().size();
        }
        double tc = Seconds(t0);
        std::vector<uint8_t> out(file.size());
        t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < plan.size(); ++i) {
          ZSTD_decompress(out.data() + plan[i].offset, plan[i].size, frames[i].data(),
                          frames[i].size());
        }
        double td = Seconds(t0);
        if (out != file) return std::fprintf(stderr, "round trip failed\n"), 1;
        std::printf("| %s | %d | %s | %zu | %llu | %.4f | %.1f | %.0f |\n",
                    std::filesystem::path(path).filename().c_str(), level, long_mode ? "on" : "off",
                    file.size(), static_cast<unsigned long long>(stored),
                    static_cast<double>(stored) / file.size(), file.size() / tc / 1e6,
                    file.size() / td / 1e6);
      }
    }
  }
  return 0;
}

// Stored bytes of `model` and bytes of its chunks absent from `base` (all at level 3: the
// level barely changes sizes, and this sweep is about boundaries).
struct PlanCost {
  size_t chunks = 0;
  uint64_t stored = 0, new_bytes = 0;
};

PlanCost Cost(const std::vector<uint8_t>& model, const std::vector<uint8_t>& base,
              const bundle::ChunkingOptions& o) {
  std::set<std::string> have;
  std::vector<bundle::ChunkSpan> base_plan = bundle::PlanChunks(base, o).value();
  for (const auto& s : base_plan) {
    have.insert(bundle::Sha256Hex({base.data() + s.offset, s.size}));
  }
  PlanCost cost;
  std::vector<bundle::ChunkSpan> plan = bundle::PlanChunks(model, o).value();
  for (const auto& s : plan) {
    std::span<const uint8_t> raw(model.data() + s.offset, s.size);
    uint64_t z = CompressChunk(raw, {3, false}).value().size();
    cost.chunks++;
    cost.stored += z;
    if (!have.count(bundle::Sha256Hex(raw))) cost.new_bytes += z;
  }
  return cost;
}

int Sweep(const std::string& onnx) {
  model::Graph g = converter::ConvertOnnxFile(onnx, {}).value();
  std::vector<uint8_t> r1 = converter::SerializeModel(g).value();
  model::Graph ten = g, whole = g;
  int node = LastClassifierNode(g);
  if (node < 0 || !RetrainTenClasses(&ten, node) || !RetrainWholeClassifier(&whole, node)) {
    return std::fprintf(stderr, "no f32 classifier with weight and bias in %s\n", onnx.c_str()), 1;
  }
  std::vector<uint8_t> r_ten = converter::SerializeModel(ten).value();
  std::vector<uint8_t> r_whole = converter::SerializeModel(whole).value();
  std::printf(
      "| pack target KiB | piece KiB | chunks | stored bytes | ten classes: new bytes (%%) | whole "
      "head: new bytes (%%) |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (uint64_t piece : {128, 256, 512, 1024, 4096}) {
    for (uint64_t pack : {16, 64, 128}) {
      if (pack > piece) continue;
      bundle::ChunkingOptions o{pack << 10, piece << 10};
      PlanCost a = Cost(r_ten, r1, o), b = Cost(r_whole, r1, o);
      std::printf("| %llu | %llu | %zu | %llu | %llu (%.2f%%) | %llu (%.2f%%) |\n",
                  (unsigned long long)pack, (unsigned long long)piece, a.chunks,
                  (unsigned long long)a.stored, (unsigned long long)a.new_bytes,
                  100.0 * a.new_bytes / a.stored, (unsigned long long)b.new_bytes,
                  100.0 * b.new_bytes / b.stored);
    }
  }
  return 0;
}

int Time(const std::string& path) {
  std::vector<uint8_t> file = ReadFile(path).value();
  std::string dir = std::filesystem::temp_directory_path() /
                    ("mota_bundle_measure_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ChunkStore store = ChunkStore::Open(dir).value();
  auto t0 = std::chrono::steady_clock::now();
  PackedVariant v = store.AddModel(file).value();
  double t = Seconds(t0);
  std::filesystem::remove_all(dir);
  std::printf(
      "%s: %zu bytes, %zu chunks, %llu stored (%.4f), chunk + compress + store %.2f s (%.1f "
      "MB/s)\n",
      path.c_str(), file.size(), v.stats.chunks, (unsigned long long)v.stats.stored_bytes,
      static_cast<double>(v.stats.stored_bytes) / file.size(), t, file.size() / t / 1e6);
  return 0;
}

}  // namespace
}  // namespace mota::packager::measure

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "levels")
    return mota::packager::measure::Levels({args.begin() + 1, args.end()});
  if (args.size() == 2 && args[0] == "sweep") return mota::packager::measure::Sweep(args[1]);
  if (args.size() == 2 && args[0] == "time") return mota::packager::measure::Time(args[1]);
  std::fprintf(
      stderr,
      "usage: mota_bundle_measure levels FILE.mota... | sweep MODEL.onnx | time FILE.mota\n");
  return 2;
}
