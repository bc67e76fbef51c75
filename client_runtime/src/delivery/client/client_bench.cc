// End-to-end update on loopback: Client::Update (TUF refresh, variant index, download with
// assembly while downloading, self-test, atomic switch) of a fresh device vs `curl` fetching the
// same blobs to /dev/null over one connection, from the same in-process server/http static routes
// (as `mota serve` runs them), alternating in the same run.
//
//   mota_client_bench --onnx M.onnx --input NAME=1,3,224,224 [--repeat R] [--dir D]
//                     [--in-flight K] [--threads T] [--old]
//
// The model is packaged by the packager (one variant, cpu-fp32: the .mota `mota convert` makes,
// with the packager's self-test vectors) into a signed repository. Each round: curl, then a new
// data directory and Client::Update; the update's self-test is timed again on its own (same
// file, same vectors) so that the time without it can be told. --old also times the path the
// Client used before (ChunkDownloader::FetchBlobs into the store, then install::Activate: every
// chunk read back from the store and the whole file hashed again) and the same without the
// metadata for the new one (Download, then install::ActivateAssembled). Prints median and range
// of each, and the load average. A measuring tool: it exits on errors.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "delivery/client/client.h"
#include "delivery/client/client_test_util.h"
#include "delivery/fetch/chunk_downloader.h"
#include "delivery/install/activate.h"
#include "delivery/install/selftest.h"
#include "manifests/lib/tuf/target_custom.h"
#include "packager/src/deploy_spec.h"
#include "packager/src/package.h"

namespace fs = std::filesystem;
using namespace mota;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mota_client_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Args {
  std::string onnx, input, dir = "/tmp";
  int repeat = 5, in_flight = 4, threads = 2;
  bool old = false;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--old") {
      a.old = true;
      continue;
    }
    if (i + 1 >= argc) Die("flag " + f + " needs a value");
    const std::string v = argv[++i];
    if (f == "--onnx")
      a.onnx = v;
    else if (f == "--input")
      a.input = v;
    else if (f == "--dir")
      a.dir = v;
    else if (f == "--repeat")
      a.repeat = std::atoi(v.c_str());
    else if (f == "--in-flight")
      a.in_flight = std::atoi(v.c_str());
    else if (f == "--threads")
      a.threads = std::atoi(v.c_str());
    else
      Die("unknown flag " + f);
  }
  if (a.onnx.empty() || a.input.find('=') == std::string::npos)
    Die("usage: mota_client_bench --onnx M.onnx --input NAME=1,3,224,224 [--repeat R] [--old]");
  return a;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Summary {
  double median, best, worst;
};
Summary Summarize(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  const size_t n = t.size();
  return {n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t.front(), t.back()};
}

void Print(const char* what, const std::vector<double>& t, double wire) {
  const Summary s = Summarize(t);
  std::printf("%-58s median %.3f s (%.0f MB/s), range %.3f-%.3f s\n", what, s.median,
              wire / s.median / 1e6, s.best, s.worst);
}

// The model name the packager takes: the file's stem, lower case, [a-z0-9_-] only.
std::string ModelName(const std::string& onnx) {
  std::string name;
  for (char c : fs::path(onnx).stem().string()) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  }
  return name;
}

bundle::VariantIndex PackageInto(const Args& a, const std::string& model, const fs::path& dir) {
  const std::string name = a.input.substr(0, a.input.find('='));
  const std::string dims = a.input.substr(a.input.find('=') + 1);
  const fs::path spec_path = dir / "deploy.yaml";
  std::ofstream(spec_path) << "model: " << model
                           << "\nversion: \"1.0\"\nsource: " << fs::absolute(a.onnx).string()
                           << "\ninputs:\n  " << name << ": [" << dims << "]\nvariants:\n"
                           << "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n";
  auto spec = packager::LoadDeploySpec(spec_path.string());
  if (!spec.ok()) Die(spec.status().ToString());
  packager::PackageOptions o;
  o.output = (dir / "staging").string();
  auto packaged = packager::Package(*spec, o);
  if (!packaged.ok()) Die(packaged.status().ToString());
  std::ifstream f(dir / "staging/targets" / tuf::VariantTargetPath(model, "cpu-fp32", 1));
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto index = bundle::ParseIndex(text);
  if (!index.ok()) Die(index.status().ToString());
  return *index;
}

client::ClientConfig DeviceConfig(const Args& a, const fs::path& data, const std::string& url,
                                  const std::string& root) {
  client::ClientConfig c;
  c.data_dir = data.string();
  c.server_url = url;
  c.trusted_root = root;
  c.install_id = "client-bench";
  c.max_in_flight = a.in_flight;
  c.assemble_threads = a.threads;
  conditions::DeviceFacts facts;  // the cpu variant requires nothing: skip device detection
  facts.arch = "x86_64";
  facts.os = "linux";
  c.device = facts;
  return c;
}

// The Client's path before ChunkDownloader::Download: blobs into the store, then Activate.
void OldPath(const Args& a, const std::string& url, const fs::path& data,
             const bundle::VariantIndex& index) {
  fetch::DownloadOptions o;
  o.base_url = url;
  o.store_dir = (data / "store").string();
  o.max_in_flight = a.in_flight;
  auto d = fetch::ChunkDownloader::Create(o);
  if (!d.ok()) Die(d.status().ToString());
  auto stats = (*d)->FetchBlobs(fetch::BlobsOf(index, true));
  if (!stats.ok()) Die(stats.status().ToString());
  auto store = install::InstallStore::Open(data.string(), "old");
  if (!store.ok()) Die(store.status().ToString());
  const Status s =
      install::Activate(*store, {1, "cpu-fp32", "auto", &index}, {.chunk_store = o.store_dir});
  if (!s.ok()) Die(s.ToString());
}

// What Client::Update does now, without the metadata: Download into the candidate path, then
// ActivateAssembled.
void NewPath(const Args& a, const std::string& url, const fs::path& data,
             const bundle::VariantIndex& index) {
  fetch::DownloadOptions o;
  o.base_url = url;
  o.store_dir = (data / "store").string();
  o.max_in_flight = a.in_flight;
  o.assemble_threads = a.threads;
  auto d = fetch::ChunkDownloader::Create(o);
  if (!d.ok()) Die(d.status().ToString());
  auto store = install::InstallStore::Open(data.string(), "new");
  if (!store.ok()) Die(store.status().ToString());
  const install::Candidate c{1, "cpu-fp32", "auto", &index};
  auto path = install::PrepareCandidate(*store, c);
  if (!path.ok()) Die(path.status().ToString());
  auto stats = (*d)->Download(index, *path);
  if (!stats.ok()) Die(stats.status().ToString());
  const Status s = install::ActivateAssembled(*store, c, {.chunk_store = o.store_dir});
  if (!s.ok()) Die(s.ToString());
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  const fs::path dir = fs::path(a.dir) / ("mota_client_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = ModelName(a.onnx);
  const bundle::VariantIndex index = PackageInto(a, model, dir);
  auto repo = client::testing::Repo::Init(dir / "repo");
  if (!repo.ok()) Die(repo.status().ToString());
  if (Status s = repo->Add(dir / "staging"); !s.ok()) Die(s.ToString());
  client::testing::TestServer server(dir / "repo");
  if (Status s = server.Start(); !s.ok()) Die(s.ToString());

  const std::vector<fetch::BlobWant> blobs = fetch::BlobsOf(index, true);
  uint64_t wire = 0;
  {
    std::ofstream cfg(dir / "curl.cfg");
    for (const fetch::BlobWant& b : blobs) {
      cfg << "url = \"" << server.url() << "/blobs/" << b.sha256 << "\"\noutput = \"/dev/null\"\n";
      wire += b.zstd_size;
    }
  }
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  std::printf(
      "%s: %s, cpu-fp32 %llu bytes, %zu blobs (chunks + self-test), %llu bytes on the "
      "wire, %zu self-test vectors; load average %.2f %.2f %.2f at start\n",
      model.c_str(), a.onnx.c_str(), static_cast<unsigned long long>(index.size), blobs.size(),
      static_cast<unsigned long long>(wire), index.selftest.vectors.size(), load[0], load[1],
      load[2]);

  std::vector<double> curl, update, selftest, old, now;
  for (int r = 0; r < a.repeat; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    const std::string cmd = "curl -s -f -K " + (dir / "curl.cfg").string();
    if (std::system(cmd.c_str()) != 0) Die("curl failed: " + cmd);
    curl.push_back(Since(t0));

    const fs::path data = dir / "device";
    fs::remove_all(data);
    auto c = client::Client::Create(DeviceConfig(a, data, server.url(), repo->root_path()));
    if (!c.ok()) Die(c.status().ToString());
    t0 = std::chrono::steady_clock::now();
    auto u = (*c)->Update(model);
    update.push_back(Since(t0));
    if (!u.ok()) Die(u.status().ToString());
    if (!u->changed || u->bytes_downloaded != wire)
      Die("the update did not download and install the whole variant");
    auto active = (*c)->Active(model);
    if (!active.ok()) Die(active.status().ToString());
    t0 = std::chrono::steady_clock::now();
    const Status tested = install::RunSelftest(active->path, index.selftest,
                                               install::StoreBlobLoader((data / "store").string()),
                                               active->backend, nullptr);
    selftest.push_back(Since(t0));
    if (!tested.ok()) Die(tested.ToString());

    if (a.old) {
      fs::remove_all(dir / "old");
      t0 = std::chrono::steady_clock::now();
      OldPath(a, server.url(), dir / "old", index);
      old.push_back(Since(t0));
      fs::remove_all(dir / "old");
      t0 = std::chrono::steady_clock::now();
      NewPath(a, server.url(), dir / "old", index);
      now.push_back(Since(t0));
    }
  }
  std::printf(
      "%d rounds, alternating; %d in flight, %d assemble threads; MB/s = wire bytes / "
      "median time\n",
      a.repeat, a.in_flight, a.threads);
  Print("curl -o /dev/null (same blobs, one connection)", curl, wire);
  Print("Client::Update (refresh+index+download/assemble+selftest)", update, wire);
  Print("  of which the self-test (timed again on its own)", selftest, wire);
  std::vector<double> without;
  for (size_t i = 0; i < update.size(); ++i) without.push_back(update[i] - selftest[i]);
  Print("Client::Update less the self-test", without, wire);
  if (a.old) {
    Print("old path: FetchBlobs + install::Activate (incl. self-test)", old, wire);
    Print("new path: Download + install::ActivateAssembled (same)", now, wire);
  }
  const Summary c = Summarize(curl), w = Summarize(without), u = Summarize(update);
  std::printf("ratio curl / update, medians: %.2f (less the self-test: %.2f)\n",
              c.median / u.median, c.median / w.median);
  ::getloadavg(load, 3);
  std::printf("load average %.2f %.2f %.2f at end\n", load[0], load[1], load[2]);
  server.Stop();
  fs::remove_all(dir);
  return 0;
}
