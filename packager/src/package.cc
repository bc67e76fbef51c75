#include "packager/src/package.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include "base/file.h"
#include "base/sha256.h"
#include "converter/src/convert.h"
#include "converter/src/writer.h"
#include "exec/npy.h"
#include "manifests/lib/model_format.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"
#include "packager/src/chunk_store.h"
#include "quantizer/src/metrics.h"
#include "quantizer/src/observe.h"
#include "quantizer/src/quantize.h"
#include "quantizer/src/ranges.h"
#include "quantizer/src/samples.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What every variant shares: the fp32 model and the self-test vectors' fp32 reference.
struct Base {
  model::Graph fp32;
  std::vector<uint8_t> fp32_bytes;
  quantizer::SampleSet selftest;                         // the self-test inputs
  std::vector<std::vector<exec::HostTensor>> reference;  // [vector][graph output]
};

struct Built {
  model::Graph graph;
  std::vector<uint8_t> bytes;
  double cosine = 1, sqnr_db = quantizer::kExactSqnrDb;
};

void Progress(const PackageOptions& o, const std::string& message) {
  if (o.progress) o.progress(message);
}

// Removes the temporary directory unless the build got as far as renaming it.
class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

Result<std::string> MakeTempBeside(const std::string& output) {
  fs::path out = fs::path(output).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();
  fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(parent))
    return NotFound("output directory's parent '", parent.string(),
                    "' does not exist: create it or pass another -o");
  std::string templ = (parent / ("." + out.filename().string() + ".tmp-XXXXXX")).string();
  if (mkdtemp(templ.data()) == nullptr)
    return Status(StatusCode::kInternal,
                  StrCat("cannot create a temporary directory beside '", output, "' (", templ, ")"));
  return templ;
}

// Moves the finished tree into place; an existing STAGING is replaced as a whole.
Status Install(const std::string& temp, const std::string& output) {
  std::error_code ec;
  std::string old;
  if (fs::exists(output, ec)) {
    if (!fs::is_directory(output))
      return InvalidArgument("output '", output, "' exists and is not a directory");
    old = temp + ".old";
    fs::rename(output, old, ec);
    if (ec) return InvalidArgument("cannot move the old '", output, "' aside: ", ec.message());
  }
  fs::rename(temp, output, ec);
  if (ec) {
    std::error_code restore;
    if (!old.empty()) fs::rename(old, output, restore);
    return InvalidArgument("cannot rename '", temp, "' to '", output, "': ", ec.message());
  }
  if (!old.empty()) fs::remove_all(old, ec);
  return Status::Ok();
}

Result<quantizer::SampleSet> SelftestSamples(const DeploySpec& spec, const model::Graph& graph,
                                             const PackageOptions& o) {
  quantizer::SampleSet set;
  if (spec.calibration) {
    const Calibration& c = *spec.calibration;
    MOTA_ASSIGN_OR_RETURN(set, quantizer::LoadSampleDir(graph, c.eval_dir.empty() ? c.dir : c.eval_dir));
  } else {
    MOTA_ASSIGN_OR_RETURN(set, quantizer::RandomSamples(graph, o.selftest_vectors, 0));
  }
  if (set.samples.size() > static_cast<size_t>(o.selftest_vectors)) {
    set.samples.resize(o.selftest_vectors);
    set.names.resize(o.selftest_vectors);
  }
  return set;
}

// HostTensor is move-only; the visitor's values are only lent.
exec::HostTensor CopyTensor(const exec::HostTensor& t) {
  exec::HostTensor copy = exec::HostTensor::Allocate(t.dtype(), t.shape());
  if (t.nbytes() > 0) std::memcpy(copy.data(), t.data(), t.nbytes());
  return copy;
}

// Runs `graph` on the self-test inputs and returns its outputs, [vector][graph output].
Result<std::vector<std::vector<exec::HostTensor>>> RunOutputs(const model::Graph& graph,
                                                               const quantizer::SampleSet& samples,
                                                               const std::string& backend,
                                                               int threads) {
  std::vector<std::vector<exec::HostTensor>> out(samples.samples.size());
  quantizer::RunConfig config{backend, threads};
  MOTA_RETURN_IF_ERROR(quantizer::ObserveTensors(
      graph, graph.outputs, samples, config,
      [&](size_t sample, std::span<const exec::HostTensor> values) -> Status {
        for (const exec::HostTensor& v : values) out[sample].push_back(CopyTensor(v));
        return Status::Ok();
      }));
  return out;
}

Result<Base> BuildBase(const DeploySpec& spec, const PackageOptions& o) {
  Base base;
  converter::ConvertOptions convert;
  for (const InputShape& in : spec.inputs) convert.input_shapes.push_back({in.name, in.dims});
  Progress(o, StrCat("converting ", spec.source));
  MOTA_ASSIGN_OR_RETURN(base.fp32, converter::ConvertOnnxFile(spec.source, convert));
  MOTA_ASSIGN_OR_RETURN(base.fp32_bytes, converter::SerializeModel(base.fp32));
  MOTA_ASSIGN_OR_RETURN(base.selftest, SelftestSamples(spec, base.fp32, o));
  Progress(o, StrCat("fp32 reference outputs for ", base.selftest.samples.size(),
                     " self-test vector(s) (reference backend)"));
  MOTA_ASSIGN_OR_RETURN(base.reference, RunOutputs(base.fp32, base.selftest, "reference", o.threads));
  return base;
}

quantizer::QuantizeOptions QuantizeOptionsFor(const DeploySpec& spec, const Variant& v,
                                              const PackageOptions& o) {
  quantizer::QuantizeOptions q;
  q.precision = v.precision;
  if (spec.calibration) {
    q.calibration_dir = spec.calibration->dir;
    q.eval_dir = spec.calibration->eval_dir;
    q.percentile = spec.calibration->percentile;
  } else {
    q.calibration_random = o.random_samples;  // only fp16 / int8-weights get here (parser)
  }
  const AccuracyGate gate = EffectiveGate(spec, v);
  q.min_cosine = gate.min_cosine.value_or(-1);
  q.min_sqnr_db = gate.min_sqnr_db.value_or(-1);
  q.run.threads = o.threads;
  q.progress = [&o, id = v.id](const std::string& m) { Progress(o, StrCat(id, ": ", m)); };
  return q;
}

// The variant's model, quantized and gated (fp32: the converted model itself).
Result<Built> BuildVariant(const DeploySpec& spec, const Variant& v, const Base& base,
                           const PackageOptions& o) {
  Built built;
  if (v.precision == "fp32") {
    built.graph = base.fp32;
    built.bytes = base.fp32_bytes;
    return built;
  }
  quantizer::QuantizeOptions q = QuantizeOptionsFor(spec, v, o);
  if (spec.calibration) {
    MOTA_ASSIGN_OR_RETURN(q.method, quantizer::ParseCalibrationMethod(spec.calibration->method));
  }
  MOTA_ASSIGN_OR_RETURN(quantizer::QuantizeResult r,
                        quantizer::Quantize(base.fp32, base.fp32_bytes.size(), q));
  const quantizer::Report& rep = r.report;
  if (!rep.passed)
    return FailedPrecondition(
        "variant '", v.id, "' (", v.precision, ") misses its accuracy gate on ",
        rep.evaluation_samples, " ", rep.evaluation_source, " sample(s): cosine ", rep.model.cosine,
        " (gate >= ", rep.min_cosine, "), SQNR ", rep.model.sqnr_db, " dB (gate >= ",
        rep.min_sqnr_db, " dB); nothing was written. Lower the gate in ", spec.path,
        " or calibrate on more representative data");
  built.graph = std::move(r.graph);
  built.bytes = std::move(r.bytes);
  built.cosine = rep.model.cosine;
  built.sqnr_db = rep.model.sqnr_db;
  return built;
}

std::string TensorName(const model::Graph& g, int32_t id) { return g.tensors[id].name; }

// Runs the variant on the CPU and returns the tolerance: twice the error measured against the
// fp32 reference, widened by 1e-3 of the reference's magnitude (max_abs) and 1e-4 (cosine)
// because other devices' kernels round and sum in other orders.
Result<bundle::Selftest> MakeSelftest(const Built& built, const Base& base, ChunkStore& store,
                                      const PackageOptions& o, quantizer::ErrorMetrics* measured) {
  MOTA_ASSIGN_OR_RETURN(auto outputs, RunOutputs(built.graph, base.selftest, "auto", o.threads));
  double max_abs = 0, max_ref = 0, min_cos = 1;
  bundle::Selftest selftest;
  for (size_t s = 0; s < outputs.size(); ++s) {
    bundle::SelftestVector vec;
    for (size_t i = 0; i < base.fp32.inputs.size(); ++i) {
      MOTA_ASSIGN_OR_RETURN(auto npy, exec::SerializeNpy(base.selftest.samples[s][i].view()));
      MOTA_ASSIGN_OR_RETURN(auto ref, store.AddBlob(TensorName(base.fp32, base.fp32.inputs[i]), npy));
      vec.inputs.push_back(ref);
    }
    for (size_t k = 0; k < base.fp32.outputs.size(); ++k) {
      const exec::HostTensor& want = base.reference[s][k];
      const exec::HostTensor& got = outputs[s][k];
      if (want.dtype() == DType::kF32 && got.dtype() == DType::kF32 && want.numel() == got.numel()) {
        quantizer::ErrorAccumulator acc;
        acc.Add(want.as<float>(), got.as<float>(), want.numel());
        const quantizer::ErrorMetrics m = acc.Get();
        max_abs = std::max(max_abs, m.max_abs);
        min_cos = std::min(min_cos, m.cosine);
        for (int64_t e = 0; e < want.numel(); ++e)
          max_ref = std::max(max_ref, static_cast<double>(std::fabs(want.as<float>()[e])));
        if (measured->cosine > m.cosine) *measured = m;
      }
      MOTA_ASSIGN_OR_RETURN(auto npy, exec::SerializeNpy(want.view()));
      MOTA_ASSIGN_OR_RETURN(auto ref, store.AddBlob(TensorName(base.fp32, base.fp32.outputs[k]), npy));
      vec.outputs.push_back(ref);
    }
    selftest.vectors.push_back(std::move(vec));
  }
  selftest.max_abs_error = DecimalString(2 * max_abs + 1e-3 * max_ref);
  selftest.min_cosine = DecimalString(std::clamp(1 - 2 * (1 - min_cos) - 1e-4, 0.0, 1.0));
  return selftest;
}

std::string RuntimeVersionFor(const Variant& v, const PackageOptions& o) {
  const std::string& own = v.requires_.min_runtime_version;
  if (own.empty()) return o.min_runtime_version;
  return CompareVersions(own, o.min_runtime_version) > 0 ? own : o.min_runtime_version;
}

json TargetEntry(const DeploySpec& spec, const Variant& v, const std::string& index_bytes,
                 const PackageOptions& o) {
  tuf::VariantTarget t;
  t.model = spec.model;
  t.release = o.release;
  t.version = spec.version;
  t.variant = v.id;
  t.backend = v.backend;
  t.precision = v.precision;
  t.requires_ = conditions::ToJson(TargetRequires(spec, v));
  t.priority = v.priority;
  t.min_runtime_version = RuntimeVersionFor(v, o);
  t.format_version = format::kModelFormatVersion;
  if (!v.tuning.empty()) t.tuning = v.tuning;  // deploy-spec.md: tuning travels in the target
  if (!v.driver_quirks.empty()) {
    // The key the device reads (exec/vulkan/vk_quirks.h); an older runtime keeps it unread.
    json quirks = json::array();
    for (const DriverQuirk& q : v.driver_quirks) {
      json quirk = {{"when", conditions::ToJson(q.when)}, {"action", q.action}, {"reason", q.reason}};
      if (q.action == "tuning") {
        std::string text;  // "key=value,..." in key order, as vk_quirks.h reads it
        for (const auto& [key, value] : q.tuning) {
          text += StrCat(text.empty() ? "" : ",", key, "=", value);
        }
        quirk["tuning"] = text;
      }
      quirks.push_back(std::move(quirk));
    }
    t.unrecognized["vulkan_quirks"] = std::move(quirks);
  }
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(index_bytes.data()),
                                       index_bytes.size());
  return json{{"custom", tuf::ToJson(t)},
              {"hashes", {{"sha256", Sha256Hex(bytes)}}},
              {"length", index_bytes.size()}};
}

// One variant, start to end; adds its target entry to `targets`.
Result<VariantSummary> PackageVariant(const DeploySpec& spec, const Variant& v, const Base& base,
                                      ChunkStore& store, const std::string& root,
                                      const PackageOptions& o, json& targets) {
  Progress(o, StrCat(v.id, ": building ", v.backend, " ", v.precision));
  MOTA_ASSIGN_OR_RETURN(Built built, BuildVariant(spec, v, base, o));
  Progress(o, StrCat(v.id, ": self-test on ", base.selftest.samples.size(),
                     " vector(s), CPU backend", v.backend == "cpu" ? "" : " (the .mota is backend independent)"));
  quantizer::ErrorMetrics measured;
  MOTA_ASSIGN_OR_RETURN(bundle::Selftest selftest, MakeSelftest(built, base, store, o, &measured));
  Progress(o, StrCat(v.id, ": chunking ", built.bytes.size(), " bytes"));
  MOTA_ASSIGN_OR_RETURN(PackedVariant packed, store.AddModel(built.bytes));
  packed.index.selftest = std::move(selftest);
  MOTA_ASSIGN_OR_RETURN(std::string index_bytes, bundle::SerializeIndex(packed.index));
  VariantSummary s{v.id, v.backend, v.precision, tuf::VariantTargetPath(spec.model, v.id, o.release)};
  MOTA_RETURN_IF_ERROR(WriteFileAtomic((fs::path(root) / "targets" / s.target_path).string(), index_bytes));
  targets[s.target_path] = TargetEntry(spec, v, index_bytes, o);
  s.file_bytes = built.bytes.size();
  s.wire_bytes = packed.stats.stored_bytes;
  s.new_bytes = packed.stats.new_stored_bytes;
  s.cosine = v.precision == "fp32" ? measured.cosine : built.cosine;
  s.sqnr_db = v.precision == "fp32" ? measured.sqnr_db : built.sqnr_db;
  s.max_abs_error = packed.index.selftest.max_abs_error;
  s.min_cosine = packed.index.selftest.min_cosine;
  return s;
}

Status MakeDirs(const std::string& root, const std::string& model) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "targets" / "models" / model, ec);
  if (ec) return InvalidArgument("cannot create '", root, "/targets/models/", model, "': ", ec.message());
  return Status::Ok();
}

Result<PackageResult> BuildInto(const DeploySpec& spec, const PackageOptions& o,
                                const std::string& root) {
  MOTA_RETURN_IF_ERROR(MakeDirs(root, spec.model));
  MOTA_ASSIGN_OR_RETURN(Base base, BuildBase(spec, o));
  MOTA_ASSIGN_OR_RETURN(ChunkStore store, ChunkStore::Open(root));
  PackageResult result;
  json targets = json::object();
  for (const Variant& v : spec.variants) {
    MOTA_ASSIGN_OR_RETURN(VariantSummary s, PackageVariant(spec, v, base, store, root, o, targets));
    result.variants.push_back(std::move(s));
  }
  const json staging{{"model", spec.model}, {"release", o.release}, {"targets", targets}};
  MOTA_ASSIGN_OR_RETURN(std::string text, tuf::CanonicalJson(staging));
  MOTA_RETURN_IF_ERROR(WriteFileAtomic((fs::path(root) / "staging.json").string(), text));
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(root) / "blobs", ec))
    result.stored_bytes += e.file_size(ec);
  return result;
}

}  // namespace

std::string DecimalString(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", std::max(0.0, value));
  return buf;
}

Result<PackageResult> Package(const DeploySpec& spec, const PackageOptions& options) {
  if (options.output.empty()) return InvalidArgument("no output directory: pass -o STAGING");
  if (options.release < 1)
    return InvalidArgument("release ", options.release, " is not >= 1 (repository.md)");
  if (options.selftest_vectors < 1 || options.selftest_vectors > 64)
    return InvalidArgument("self-test vectors ", options.selftest_vectors, " is not in 1..64");
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(spec.model, "model"));
  MOTA_ASSIGN_OR_RETURN(std::string temp_path, MakeTempBeside(options.output));
  TempDir temp(temp_path);
  MOTA_ASSIGN_OR_RETURN(PackageResult result, BuildInto(spec, options, temp.path()));
  MOTA_RETURN_IF_ERROR(Install(temp.path(), options.output));
  temp.Release();
  Progress(options, StrCat("wrote ", options.output));
  return result;
}

std::string SummaryTable(const PackageResult& r) {
  std::string out = StrCat("variant              backend precision     wire bytes   new bytes  ",
                           "file bytes    cosine  SQNR dB\n");
  char line[256];
  for (const VariantSummary& s : r.variants) {
    std::snprintf(line, sizeof line, "%-20s %-7s %-12s %11llu %11llu %11llu %9.6f %8.2f\n",
                  s.id.c_str(), s.backend.c_str(), s.precision.c_str(),
                  static_cast<unsigned long long>(s.wire_bytes),
                  static_cast<unsigned long long>(s.new_bytes),
                  static_cast<unsigned long long>(s.file_bytes), s.cosine, s.sqnr_db);
    out += line;
  }
  return out + StrCat("STAGING blobs: ", r.stored_bytes, " bytes compressed\n");
}

}  // namespace mota::packager
