// Update throughput on loopback: `curl` fetching a variant's blobs to /dev/null over one
// connection vs ChunkDownloader::Download (download + verify both hashes + decompress + store +
// assemble + fsync), from the same in-process server/http static server (as `mota serve` runs
// it), alternating in the same run. And the delta of an update whose last layer changed.
//
//   mota_fetch_bench [--model FILE.mota | --mb N] [--in-flight K] [--threads T] [--repeat R]
//                    [--dir D] [--delta]
//
// The variant is packed by the packager's own ChunkStore (chunking + zstd level 9). Without
// --model, a synthetic .mota of N MB of seeded random tensors (incompressible, like untrained
// weights). --dir puts the repository, the device store and the target there (default /tmp; a
// tmpfs such as /dev/shm takes the disk out of the measurement). Prints best, median and range of
// R runs of each, CPU time, the update's minor page faults and the load average. --delta: release
// B = the model with the weights of its last Gemm/Conv scaled by 1.01; the device holds release
// A's chunks; prints what B's update fetches. A measuring tool: it exits on errors.
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/test_util.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"
#include "packager/src/chunk_store.h"
#include "server/http/server.h"
#include "server/http/static_files.h"

namespace fs = std::filesystem;
using namespace mota;

namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// User + system CPU seconds of this process (`who` RUSAGE_SELF) or its waited-for children.
double CpuSeconds(int who) {
  rusage u{};
  ::getrusage(who, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// Minor page faults of this process so far (first touches of fresh memory: large buffers).
double MinorFaults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_minflt);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mota_fetch_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Args {
  std::string model_path, dir = "/tmp";
  int mb = 64, in_flight = 4, threads = 2, repeat = 5;
  bool delta = false;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--delta") {
      a.delta = true;
      continue;
    }
    if (i + 1 >= argc) Die("flag " + f + " needs a value");
    std::string v = argv[++i];
    if (f == "--model")
      a.model_path = v;
    else if (f == "--dir")
      a.dir = v;
    else if (f == "--mb")
      a.mb = std::atoi(v.c_str());
    else if (f == "--in-flight")
      a.in_flight = std::atoi(v.c_str());
    else if (f == "--threads")
      a.threads = std::atoi(v.c_str());
    else if (f == "--repeat")
      a.repeat = std::atoi(v.c_str());
    else
      Die("unknown flag " + f);
  }
  return a;
}

struct Summary {
  double best, median, worst;
};
Summary Summarize(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  size_t n = t.size();
  double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
  return {t.front(), median, t.back()};
}

// [offset, size) in the file of the weights (input 1) of the last Gemm or Conv node, and its name.
struct Weights {
  uint64_t offset = 0, size = 0;
  std::string node;
};
Weights LastLayerWeights(const std::vector<uint8_t>& file) {
  format::ModelHeader h;
  std::memcpy(&h, file.data(), sizeof(h));
  const fb::Model* model = fb::GetModel(file.data() + h.graph_offset);
  for (size_t i = model->nodes()->size(); i-- > 0;) {
    const fb::Node* node = model->nodes()->Get(static_cast<flatbuffers::uoffset_t>(i));
    std::string op = node->op_type()->str();
    if ((op != "Gemm" && op != "Conv") || node->inputs()->size() < 2) continue;
    const fb::Tensor* t = model->tensors()->Get(node->inputs()->Get(1));
    if (t->buffer() < 0) continue;
    const fb::Buffer* b = model->buffers()->Get(static_cast<flatbuffers::uoffset_t>(t->buffer()));
    return {h.data_offset + b->offset(), b->size(),
            op + " '" + (node->name() ? node->name()->str() : "") + "'"};
  }
  Die("the model has no Gemm or Conv with constant weights");
}

bundle::VariantIndex Package(packager::ChunkStore& store, const std::vector<uint8_t>& model) {
  auto packed = store.AddModel(model);
  if (!packed.ok()) Die(packed.status().ToString());
  return packed->index;
}

uint64_t WireBytes(const bundle::VariantIndex& index) {
  uint64_t wire = 0;
  for (const auto& c : index.chunks) wire += c.zstd_size;
  return wire;
}

fetch::DownloadStats Update(const Args& a, const std::string& base, const std::string& store,
                            const bundle::VariantIndex& index, const std::string& out) {
  fetch::DownloadOptions o;
  o.base_url = base;
  o.store_dir = store;
  o.max_in_flight = a.in_flight;
  o.assemble_threads = a.threads;
  auto d = fetch::ChunkDownloader::Create(o);
  if (!d.ok()) Die(d.status().ToString());
  auto stats = (*d)->Download(index, out);
  if (!stats.ok()) Die(stats.status().ToString());
  return *stats;
}

void Throughput(const Args& a, const std::string& dir, const std::string& base,
                const bundle::VariantIndex& index) {
  {
    std::ofstream cfg(dir + "/curl.cfg");
    for (const auto& c : index.chunks)
      cfg << "url = \"" << base << "/blobs/" << c.sha256 << "\"\noutput = \"/dev/null\"\n";
  }
  // Wall time, and CPU time (load-independent): curl's own (a child) vs this process's during
  // the update less what the in-process server spent serving curl the same bytes.
  std::vector<double> curl, ours, curl_cpu, ours_cpu, ours_faults;
  for (int r = 0; r < a.repeat; ++r) {
    const double self0 = CpuSeconds(RUSAGE_SELF), child0 = CpuSeconds(RUSAGE_CHILDREN);
    auto t0 = std::chrono::steady_clock::now();
    std::string cmd = "curl -s -f -K " + dir + "/curl.cfg";
    if (std::system(cmd.c_str()) != 0) Die("curl failed: " + cmd);
    curl.push_back(Seconds(std::chrono::steady_clock::now() - t0));
    const double server_cpu = CpuSeconds(RUSAGE_SELF) - self0;
    curl_cpu.push_back(CpuSeconds(RUSAGE_CHILDREN) - child0);
    fs::remove_all(dir + "/store");
    fs::remove(dir + "/out.mota");
    const double self1 = CpuSeconds(RUSAGE_SELF), faults1 = MinorFaults();
    t0 = std::chrono::steady_clock::now();
    Update(a, base, dir + "/store", index, dir + "/out.mota");
    ours.push_back(Seconds(std::chrono::steady_clock::now() - t0));
    ours_cpu.push_back(CpuSeconds(RUSAGE_SELF) - self1 - server_cpu);
    ours_faults.push_back(MinorFaults() - faults1);
  }
  const double wire = static_cast<double>(WireBytes(index));
  Summary c = Summarize(curl), o = Summarize(ours);
  std::printf(
      "curl -o /dev/null (one connection): best %.3f s (%.0f MB/s), median %.3f s, "
      "range %.3f-%.3f s\n",
      c.best, wire / c.best / 1e6, c.median, c.best, c.worst);
  std::printf(
      "mota update (download+verify+decompress+store+assemble+fsync, %d in flight, %d "
      "workers): best %.3f s (%.0f MB/s), median %.3f s, range %.3f-%.3f s\n",
      a.in_flight, a.threads, o.best, wire / o.best / 1e6, o.median, o.best, o.worst);
  std::printf("ratio (curl time / mota time): best %.2f, median %.2f\n", c.best / o.best,
              c.median / o.median);
  std::printf("CPU, median: curl %.3f s, mota update %.3f s (less the server's share)\n",
              Summarize(curl_cpu).median, Summarize(ours_cpu).median);
  std::printf("minor page faults, median: mota update %.0f (incl. the in-process server's)\n",
              Summarize(ours_faults).median);
}

void Delta(const Args& a, const std::string& dir, const std::string& base,
           packager::ChunkStore& repo, const std::vector<uint8_t>& model,
           const bundle::VariantIndex& index_a) {
  Weights w = LastLayerWeights(model);
  std::vector<uint8_t> next = model;
  for (uint64_t at = w.offset; at + 4 <= w.offset + w.size; at += 4) {  // fine-tuned: x1.01
    float f;
    std::memcpy(&f, next.data() + at, 4);
    f *= 1.01f;
    std::memcpy(next.data() + at, &f, 4);
  }
  bundle::VariantIndex index_b = Package(repo, next);
  fs::remove_all(dir + "/store");
  Update(a, base, dir + "/store", index_a, dir + "/a.mota");  // the device runs release A
  fetch::DownloadStats s = Update(a, base, dir + "/store", index_b, dir + "/b.mota");
  const uint64_t wire = WireBytes(index_b);
  std::printf(
      "delta update (release B = A with the last %s weights, %llu bytes, x1.01): "
      "fetched %llu of %llu wire bytes (%.2f%%), %zu of %zu chunks; %zu reused\n",
      w.node.c_str(), static_cast<unsigned long long>(w.size),
      static_cast<unsigned long long>(s.bytes_received), static_cast<unsigned long long>(wire),
      100.0 * s.bytes_received / wire, s.blobs_downloaded, index_b.chunks.size(), s.blobs_present);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  const std::string dir = a.dir + "/mota_fetch_bench_" + std::to_string(::getpid());
  fs::create_directories(dir + "/repo");
  std::vector<uint8_t> model;
  if (!a.model_path.empty()) {
    auto bytes = fetch::ReadWholeFile(a.model_path, uint64_t{1} << 32);
    if (!bytes.ok()) Die(bytes.status().ToString());
    model = std::move(*bytes);
  } else {
    model = bundle::testing::MakeModel(std::vector<uint64_t>(static_cast<size_t>(a.mb), 1000000));
  }
  auto repo = packager::ChunkStore::Open(dir + "/repo");
  if (!repo.ok()) Die(repo.status().ToString());
  bundle::VariantIndex index = Package(*repo, model);

  server::http::Router router;
  server::http::RegisterStaticRoutes(router, {.repo = dir + "/repo"});
  server::http::Server server(std::move(router), {.threads = 2});
  if (Status s = server.Start(); !s.ok()) Die(s.ToString());
  const std::string base = "http://" + server.address();
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  std::printf(
      "model %s: %zu bytes, %zu chunks, %llu bytes on the wire; load average %.2f %.2f "
      "%.2f at start\n",
      a.model_path.empty() ? "synthetic" : a.model_path.c_str(), model.size(), index.chunks.size(),
      static_cast<unsigned long long>(WireBytes(index)), load[0], load[1], load[2]);
  if (a.delta) {
    Delta(a, dir, base, *repo, model, index);
  } else {
    Throughput(a, dir, base, index);
  }
  ::getloadavg(load, 3);
  std::printf("load average %.2f %.2f %.2f at end\n", load[0], load[1], load[2]);
  server.Stop(std::chrono::seconds(1));
  fs::remove_all(dir);
  return 0;
}
