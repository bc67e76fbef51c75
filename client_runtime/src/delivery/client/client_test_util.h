// Fixtures for the client tests: real bundles made by the packager from the shared MLP, signed
// repositories made by the packager's `mota repo` code, and the real server/http static routes
// serving them on a loopback port (tests only; libmota never links the toolchain or server).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifests/lib/bundle/index.h"
#include "packager/src/keys.h"
#include "server/http/server.h"

namespace mota::client::testing {

namespace fs = std::filesystem;

// The model every staging holds.
inline constexpr char kModel[] = "mlp";

// Packages `onnx` as release `release` of "mlp" with two variants, cpu-fp32 (priority 10) and
// cpu-fp16 (priority 20), into `out`.
Status PackageMlp(const std::string& onnx, int64_t release, const fs::path& out);

// Writes a copy of the MLP ONNX file whose last layer (the final bias) differs: what a
// retrained head looks like, every other tensor byte-identical.
Status WriteMlpWithChangedHead(const fs::path& out);

// Adds variant "cpu-broken" (priority 30) to a staging: cpu-fp32's index with its first
// reference output changed, so its self-test fails on every device (wrong numbers).
Status AddBrokenVariant(const fs::path& staging);

// A signed repository (one key per role, threshold 1) in `dir`.
class Repo {
 public:
  static Result<Repo> Init(const fs::path& dir);
  Status Add(const fs::path& staging);  // mota repo add
  Status Revoke(int64_t release);       // mota repo revoke
  const fs::path& dir() const { return dir_; }
  std::string root_path() const { return (dir_ / "metadata/1.root.json").string(); }

 private:
  fs::path dir_;
  std::shared_ptr<packager::SigningKey> root_, targets_, snapshot_, timestamp_;
};

// server/http's static routes over a repository directory, plus a telemetry endpoint that
// validates every batch with the server's own parser and keeps the events' JSON lines.
class TestServer {
 public:
  explicit TestServer(const fs::path& repo);
  ~TestServer();
  Status Start();
  void Stop();
  std::string url() const;
  std::vector<std::string> telemetry() const;  // one line per accepted event
  int telemetry_rejected() const { return rejected_; }

 private:
  std::unique_ptr<server::http::Server> server_;
  mutable std::mutex mu_;
  std::vector<std::string> events_;
  std::atomic<int> rejected_{0};
};

// The variant index of a staging's target.
Result<bundle::VariantIndex> StagedIndex(const fs::path& staging, const std::string& variant,
                                         int64_t release);

}  // namespace mota::client::testing
