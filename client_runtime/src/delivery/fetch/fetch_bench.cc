// Update throughput on loopback: `curl` fetching a variant's blobs to /dev/null over one
// connection vs ChunkDownloader::Download (download + verify both hashes + store + assemble),
// from the same in-process server/http static server (as `mota serve` runs it).
//
//   mota_fetch_bench [--model FILE.mota] [--mb N] [--in-flight K] [--repeat R]
//
// Without --model, a synthetic .mota of N MB of seeded random tensors (incompressible, like
// untrained weights). Chunks are planned and compressed as the packager does (zstd level 9).
// Prints the best of R runs of each and their ratio. A measuring tool: it may exit on errors.
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/chunk_plan.h"
#include "manifests/lib/bundle/sha256.h"
#include "manifests/lib/bundle/test_util.h"
#include "server/http/server.h"
#include "server/http/static_files.h"

namespace fs = std::filesystem;
using namespace mota;

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mota_fetch_bench: %s\n", what.c_str());
  std::exit(1);
}

bundle::VariantIndex PackInto(const std::vector<uint8_t>& file, const std::string& blobs) {
  bundle::VariantIndex index;
  auto plan = bundle::PlanChunks(file);
  if (!plan.ok()) Die(plan.status().ToString());
  for (const bundle::ChunkSpan& s : *plan) {
    std::span<const uint8_t> raw(file.data() + s.offset, s.size);
    std::vector<uint8_t> frame(ZSTD_compressBound(s.size));
    frame.resize(ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 9));
    std::string sha = bundle::Sha256Hex(raw);
    index.chunks.push_back({sha, s.size, bundle::Sha256Hex(frame), frame.size(), s.offset});
    std::ofstream(blobs + "/" + sha, std::ios::binary)
        .write(reinterpret_cast<const char*>(frame.data()),
               static_cast<std::streamsize>(frame.size()));
  }
  index.sha256 = bundle::Sha256Hex(file);
  index.size = file.size();
  return index;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  int mb = 64, in_flight = 4, repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model")
      model_path = argv[i + 1];
    else if (a == "--mb")
      mb = std::atoi(argv[i + 1]);
    else if (a == "--in-flight")
      in_flight = std::atoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::atoi(argv[i + 1]);
    else
      Die("unknown flag " + a);
  }
  char tmpl[] = "/tmp/mota_fetch_bench_XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  const std::string dir = tmpl;
  fs::create_directories(dir + "/repo/blobs");
  std::vector<uint8_t> model;
  if (!model_path.empty()) {
    auto bytes = fetch::ReadWholeFile(model_path, uint64_t{1} << 32);
    if (!bytes.ok()) Die(bytes.status().ToString());
    model = std::move(*bytes);
  } else {
    model = bundle::testing::MakeModel(std::vector<uint64_t>(static_cast<size_t>(mb), 1000000));
  }
  bundle::VariantIndex index = PackInto(model, dir + "/repo/blobs");
  uint64_t wire = 0;
  for (const auto& c : index.chunks) wire += c.zstd_size;

  server::http::Router router;
  server::http::RegisterStaticRoutes(router, {.repo = dir + "/repo"});
  server::http::Server server(std::move(router), {.threads = 2});
  if (Status s = server.Start(); !s.ok()) Die(s.ToString());
  const std::string base = "http://" + server.address();
  {
    std::ofstream cfg(dir + "/curl.cfg");
    for (const auto& c : index.chunks)
      cfg << "url = \"" << base << "/blobs/" << c.sha256 << "\"\noutput = \"/dev/null\"\n";
  }
  double best_curl = 1e9, best_ours = 1e9, best_fetch = 0;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::string cmd = "curl -s -f -K " + dir + "/curl.cfg";
    if (std::system(cmd.c_str()) != 0) Die("curl failed: " + cmd);
    best_curl = std::min(best_curl, Seconds(std::chrono::steady_clock::now() - t0));

    fs::remove_all(dir + "/store");
    fetch::DownloadOptions o;
    o.base_url = base;
    o.store_dir = dir + "/store";
    o.max_in_flight = in_flight;
    auto d = fetch::ChunkDownloader::Create(o);
    if (!d.ok()) Die(d.status().ToString());
    t0 = std::chrono::steady_clock::now();
    auto stats = (*d)->FetchBlobs(fetch::BlobsOf(index, true));
    if (!stats.ok()) Die(stats.status().ToString());
    auto t1 = std::chrono::steady_clock::now();
    if (Status s = (*d)->Assemble(index, dir + "/out.mota"); !s.ok()) Die(s.ToString());
    auto t2 = std::chrono::steady_clock::now();
    if (Seconds(t2 - t0) < best_ours) {
      best_ours = Seconds(t2 - t0);
      best_fetch = Seconds(t1 - t0);
    }
  }
  server.Stop(std::chrono::seconds(1));
  fs::remove_all(dir);
  std::printf("model %s: %zu bytes, %zu chunks, %llu bytes on the wire\n",
              model_path.empty() ? "synthetic" : model_path.c_str(), model.size(),
              index.chunks.size(), static_cast<unsigned long long>(wire));
  std::printf("curl -o /dev/null (one connection): %.3f s, %.1f MB/s\n", best_curl,
              wire / best_curl / 1e6);
  std::printf("mota update (download+verify+store+assemble, %d in flight): %.3f s, %.1f MB/s\n",
              in_flight, best_ours, wire / best_ours / 1e6);
  std::printf("  of which download+verify+store %.3f s, assemble %.3f s\n", best_fetch,
              best_ours - best_fetch);
  std::printf("ratio (curl time / mota time): %.2f\n", best_curl / best_ours);
  return 0;
}
