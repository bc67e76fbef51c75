#include "delivery/install/selftest.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <utility>

#include "base/file.h"
#include "exec/backend.h"
#include "exec/npy.h"
#include "exec/session.h"
#include "manifests/lib/bundle/assemble.h"
#include "model/loader.h"

namespace mota::install {
namespace {

Status Mismatch(const std::string& what) {
  return Status(StatusCode::kVerificationFailed, StrCat("self-test failed: ", what));
}

std::string ShapeString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += StrCat(i ? ", " : "", shape[i]);
  return s + "]";
}

// The packager's ErrorAccumulator (quantizer/src/metrics.cc), in double, plus where the largest
// difference is: the device cannot link the quantizer.
struct Comparison {
  double max_abs = 0, cosine = 1;
  int64_t worst = 0;
};

Comparison Compare(const float* reference, const float* ours, int64_t count) {
  Comparison c;
  double dot = 0, ref_sq = 0, our_sq = 0;
  for (int64_t i = 0; i < count; ++i) {
    const double r = reference[i], v = ours[i], e = std::fabs(r - v);
    dot += r * v;
    ref_sq += r * r;
    our_sq += v * v;
    // NaN counts as the worst possible element (a comparison with NaN is always false).
    if (e > c.max_abs || std::isnan(e)) {
      c.max_abs = std::isnan(e) ? INFINITY : e;
      c.worst = i;
    }
  }
  if (ref_sq > 0 && our_sq > 0) {
    c.cosine = dot / (std::sqrt(ref_sq) * std::sqrt(our_sq));
  } else {
    c.cosine = (ref_sq == 0 && our_sq == 0) ? 1.0 : 0.0;
  }
  if (std::isnan(c.cosine)) c.cosine = -1;
  return c;
}

// Index of the graph input or output named `name` in `ids`, or -1.
int FindByName(const model::Graph& graph, const std::vector<int32_t>& ids,
               const std::string& name) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (graph.tensors[ids[i]].name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<exec::HostTensor> LoadBlob(const BlobLoader& blobs, const bundle::BlobRef& ref,
                                  const std::string& label) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, blobs(ref));
  return exec::ParseNpy(bytes, label);
}

// The inputs of vector `v` in graph.inputs order.
Result<std::vector<exec::HostTensor>> LoadInputs(const model::Graph& graph,
                                                 const bundle::SelftestVector& vec, size_t v,
                                                 const BlobLoader& blobs) {
  std::vector<exec::HostTensor> inputs(graph.inputs.size());
  for (const bundle::BlobRef& ref : vec.inputs) {
    const std::string label = StrCat("self-test vector ", v, " input '", ref.name, "'");
    const int slot = FindByName(graph, graph.inputs, ref.name);
    if (slot < 0) return InvalidArgument(label, " is not an input of the model");
    MOTA_ASSIGN_OR_RETURN(inputs[slot], LoadBlob(blobs, ref, label));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].view().present())
      return InvalidArgument("self-test vector ", v, " has no value for model input '",
                             graph.tensors[graph.inputs[i]].name, "'");
  }
  return inputs;
}

struct Tolerance {
  double max_abs = 0, min_cosine = 0;
};

// Compares one output with its reference; f32 outputs only, as the packager measured them.
Status CheckOutput(const exec::HostTensor& want, const exec::HostTensor& got,
                   const std::string& label, const Tolerance& tol, SelftestReport& report) {
  if (want.numel() != got.numel())
    return Mismatch(StrCat(label, " has shape ", ShapeString(got.shape()), ", the reference ",
                           ShapeString(want.shape())));
  if (want.dtype() != DType::kF32 || got.dtype() != DType::kF32) return Status::Ok();
  const Comparison c = Compare(want.as<float>(), got.as<float>(), want.numel());
  report.worst_max_abs = std::max(report.worst_max_abs, c.max_abs);
  report.worst_cosine = std::min(report.worst_cosine, c.cosine);
  if (!(c.max_abs <= tol.max_abs))
    return Mismatch(StrCat(label, ": element ", c.worst, " is ", got.as<float>()[c.worst],
                           ", the reference ", want.as<float>()[c.worst], ": |difference| ",
                           c.max_abs, " > allowed max_abs_error ", tol.max_abs));
  if (!(c.cosine >= tol.min_cosine))
    return Mismatch(StrCat(label, ": cosine similarity ", c.cosine, " < allowed min_cosine ",
                           tol.min_cosine, " (worst element ", c.worst, ": ",
                           got.as<float>()[c.worst], " vs ", want.as<float>()[c.worst], ")"));
  return Status::Ok();
}

Status RunVector(exec::Session& session, const model::Graph& graph,
                 const bundle::SelftestVector& vec, size_t v, const BlobLoader& blobs,
                 const std::string& backend, const Tolerance& tol, SelftestReport& report) {
  MOTA_ASSIGN_OR_RETURN(std::vector<exec::HostTensor> inputs, LoadInputs(graph, vec, v, blobs));
  std::vector<exec::TensorView> views;
  for (const exec::HostTensor& t : inputs) views.push_back(t.view());
  auto outputs = session.Run(views);
  if (!outputs.ok())
    return outputs.status().WithContext(
        StrCat("self-test vector ", v, " on backend '", backend, "'"));
  for (const bundle::BlobRef& ref : vec.outputs) {
    const std::string label = StrCat("self-test vector ", v, " output '", ref.name, "'");
    const int slot = FindByName(graph, graph.outputs, ref.name);
    if (slot < 0) return InvalidArgument(label, " is not an output of the model");
    MOTA_ASSIGN_OR_RETURN(exec::HostTensor want, LoadBlob(blobs, ref, label));
    MOTA_RETURN_IF_ERROR(CheckOutput(want, (*outputs)[slot], label, tol, report));
  }
  ++report.vectors_run;
  return Status::Ok();
}

}  // namespace

BlobLoader StoreBlobLoader(const std::string& store_dir) {
  return [store_dir](const bundle::BlobRef& ref) -> Result<std::vector<uint8_t>> {
    const std::string path = store_dir + "/blobs/" + ref.sha256;
    auto stored = ReadFile(path);
    if (!stored.ok())
      return NotFound("self-test blob '", ref.name, "' (", path,
                      ") cannot be read: ", stored.status().message());
    return bundle::DecodeVerified(StrCat("self-test blob '", ref.name, "' (", path, ")"),
                                  ref.sha256, ref.size, ref.zstd_sha256, ref.zstd_size, *stored);
  };
}

Result<double> ParseTolerance(const std::string& field, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value >= 0) || std::isinf(value))
    return InvalidArgument("selftest.tolerance.", field, " '", text,
                           "' is not a non-negative decimal number");
  return value;
}

Status RunSelftest(const std::string& mota_path, const bundle::Selftest& selftest,
                   const BlobLoader& blobs, const std::string& backend, SelftestReport* report,
                   const exec::BackendOptions& options) {
  SelftestReport local;
  SelftestReport& r = report ? *report : local;
  r = SelftestReport{};
  Tolerance tol;
  MOTA_ASSIGN_OR_RETURN(tol.max_abs, ParseTolerance("max_abs_error", selftest.max_abs_error));
  MOTA_ASSIGN_OR_RETURN(tol.min_cosine, ParseTolerance("min_cosine", selftest.min_cosine));
  auto model = model::Model::Load(mota_path);
  if (!model.ok()) return model.status().WithContext(StrCat("self-test: loading ", mota_path));
  auto created = exec::CreateBackend(backend, options);
  if (!created.ok())
    return created.status().WithContext(StrCat("self-test: backend '", backend, "'"));
  const model::Graph& graph = (*model)->graph();
  auto session = exec::Session::Create(graph, std::move(*created));
  if (!session.ok())
    return session.status().WithContext(StrCat("self-test: session for ", mota_path));
  for (size_t v = 0; v < selftest.vectors.size(); ++v) {
    MOTA_RETURN_IF_ERROR(
        RunVector(**session, graph, selftest.vectors[v], v, blobs, backend, tol, r));
  }
  return Status::Ok();
}

}  // namespace mota::install
