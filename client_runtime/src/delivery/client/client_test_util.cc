#include "delivery/client/client_test_util.h"

#include <onnx/onnx_pb.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/sha256.h"
#include "exec/npy.h"
#include "manifests/lib/bundle/assemble.h"
#include "manifests/lib/tuf/target_custom.h"
#include "packager/src/chunk_store.h"
#include "packager/src/deploy_spec.h"
#include "packager/src/package.h"
#include "packager/src/repo.h"
#include "server/http/static_files.h"
#include "server/repository/telemetry_event.h"

namespace mota::client::testing {
namespace {

namespace http = mota::server::http;
using nlohmann::json;

const std::string kMlp = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

Result<std::string> ReadText(const fs::path& path) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path.string()));
  return std::string(bytes.begin(), bytes.end());
}

// cpu-fp32's first reference output with element 3 moved by 1.0, stored in the staging.
Result<bundle::BlobRef> WrongReference(const fs::path& staging, const bundle::BlobRef& ref) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> frame,
                        ReadFile((staging / "blobs" / ref.sha256).string()));
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> npy,
                        bundle::DecodeVerified("reference", ref.sha256, ref.size, ref.zstd_sha256,
                                               ref.zstd_size, frame));
  MOTA_ASSIGN_OR_RETURN(exec::HostTensor tensor, exec::ParseNpy(npy));
  if (tensor.numel() < 4) return Internal("reference output ", ref.name, " has < 4 elements");
  tensor.as<float>()[3] += 1.0f;
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> changed, exec::SerializeNpy(tensor.view()));
  MOTA_ASSIGN_OR_RETURN(packager::ChunkStore store, packager::ChunkStore::Open(staging.string()));
  return store.AddBlob(ref.name, changed);
}

}  // namespace

Status PackageMlp(const std::string& onnx, int64_t release, const fs::path& out) {
  const fs::path spec_path = out.string() + ".deploy.yaml";
  std::ofstream(spec_path) << "model: " << kModel << "\nversion: \"" << release
                           << ".0\"\nsource: " << onnx
                           << "\ninputs:\n  input: [1, 784]\nvariants:\n"
                              "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n"
                              "    priority: 10\n"
                              "  - id: cpu-fp16\n    backend: cpu\n    precision: fp16\n"
                              "    priority: 20\n";
  MOTA_ASSIGN_OR_RETURN(packager::DeploySpec spec, packager::LoadDeploySpec(spec_path.string()));
  packager::PackageOptions o;
  o.output = out.string();
  o.release = release;
  return packager::Package(spec, o).status();
}

Status WriteMlpWithChangedHead(const fs::path& out) {
  MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText(kMlp));
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return DataLoss("cannot parse ", kMlp);
  // The final bias: the initializer with the fewest elements (10 outputs).
  onnx::TensorProto* head = nullptr;
  int64_t fewest = INT64_MAX;
  for (onnx::TensorProto& t : *model.mutable_graph()->mutable_initializer()) {
    int64_t n = 1;
    for (int64_t d : t.dims()) n *= d;
    if (t.data_type() == onnx::TensorProto::FLOAT && n < fewest) fewest = n, head = &t;
  }
  if (head == nullptr) return NotFound("no float initializer in ", kMlp);
  if (head->has_raw_data()) {
    std::string raw = head->raw_data();
    float v;
    std::memcpy(&v, raw.data(), sizeof v);
    v += 0.25f;
    std::memcpy(raw.data(), &v, sizeof v);
    head->set_raw_data(raw);
  } else {
    head->set_float_data(0, head->float_data(0) + 0.25f);
  }
  std::ofstream f(out, std::ios::binary);
  if (!model.SerializeToOstream(&f)) return IoError("cannot write ", out.string());
  return Status::Ok();
}

Status AddBrokenVariant(const fs::path& staging) {
  MOTA_ASSIGN_OR_RETURN(std::string doc_text, ReadText(staging / "staging.json"));
  json doc = json::parse(doc_text, nullptr, false);
  const int64_t release = doc["release"].get<int64_t>();
  MOTA_ASSIGN_OR_RETURN(bundle::VariantIndex index, StagedIndex(staging, "cpu-fp32", release));
  bundle::BlobRef& ref = index.selftest.vectors.at(0).outputs.at(0);
  MOTA_ASSIGN_OR_RETURN(ref, WrongReference(staging, ref));
  MOTA_ASSIGN_OR_RETURN(std::string text, bundle::SerializeIndex(index));
  const std::string path = tuf::VariantTargetPath(kModel, "cpu-broken", release);
  MOTA_RETURN_IF_ERROR(WriteFileAtomic((staging / "targets" / path).string(), text));
  json entry = doc["targets"][tuf::VariantTargetPath(kModel, "cpu-fp32", release)];
  entry["custom"]["variant"] = "cpu-broken";
  entry["custom"]["priority"] = 30;
  entry["length"] = text.size();
  entry["hashes"]["sha256"] =
      Sha256Hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  doc["targets"][path] = entry;
  return WriteFileAtomic((staging / "staging.json").string(), doc.dump());
}

Result<bundle::VariantIndex> StagedIndex(const fs::path& staging, const std::string& variant,
                                         int64_t release) {
  MOTA_ASSIGN_OR_RETURN(
      std::string text,
      ReadText(staging / "targets" / tuf::VariantTargetPath(kModel, variant, release)));
  return bundle::ParseIndex(text);
}

// ---- Repo ----

Result<Repo> Repo::Init(const fs::path& dir) {
  Repo r;
  r.dir_ = dir;
  for (auto* key : {&r.root_, &r.targets_, &r.snapshot_, &r.timestamp_}) {
    MOTA_ASSIGN_OR_RETURN(packager::SigningKey k, packager::SigningKey::Generate());
    *key = std::make_shared<packager::SigningKey>(std::move(k));
  }
  MOTA_RETURN_IF_ERROR(packager::InitRepository({.repo = dir.string(),
                                                 .root_keys = {r.root_.get()},
                                                 .threshold = 1,
                                                 .targets_key = r.targets_.get(),
                                                 .snapshot_key = r.snapshot_.get(),
                                                 .timestamp_key = r.timestamp_.get(),
                                                 .now = std::time(nullptr)}));
  return r;
}

Status Repo::Add(const fs::path& staging) {
  packager::AddOptions o;
  o.repo = dir_.string();
  o.staging = staging.string();
  o.targets_key = targets_.get();
  o.snapshot_key = snapshot_.get();
  o.timestamp_key = timestamp_.get();
  o.now = std::time(nullptr);
  return packager::AddStaging(o).status();
}

Status Repo::Revoke(int64_t release) {
  packager::RevokeOptions o;
  o.repo = dir_.string();
  o.model = kModel;
  o.release = release;
  o.targets_key = targets_.get();
  o.snapshot_key = snapshot_.get();
  o.timestamp_key = timestamp_.get();
  o.reason = "test revocation";
  o.now = std::time(nullptr);
  return packager::Revoke(o).status();
}

// ---- TestServer ----

TestServer::TestServer(const fs::path& repo) {
  http::Router router;
  http::RegisterStaticRoutes(router, {.repo = repo.string()});
  router.Handle("POST", "/v1/telemetry",
                [this](const http::Request& req) {
                  auto events = server::repository::ParseTelemetryBatch(req.body);
                  if (!events.ok()) {
                    ++rejected_;
                    return http::Response::Error(400, events.status().message());
                  }
                  const json batch = json::parse(req.body, nullptr, false);
                  std::lock_guard<std::mutex> lock(mu_);
                  for (const json& e : batch["events"]) events_.push_back(e.dump());
                  return http::Response::Json(
                      200, "{\"stored\":" + std::to_string(events->size()) + "}");
                },
                {.route_class = "telemetry", .max_body_bytes = 256 * 1024});
  server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{});
}

TestServer::~TestServer() { Stop(); }

Status TestServer::Start() { return server_->Start(); }

void TestServer::Stop() { server_->Stop(std::chrono::seconds(1)); }

std::string TestServer::url() const { return "http://" + server_->address(); }

std::vector<std::string> TestServer::telemetry() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

}  // namespace mota::client::testing
