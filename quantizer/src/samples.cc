#include "quantizer/src/samples.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "base/file.h"
#include "base/sha256.h"
#include "exec/npy.h"

namespace mota::quantizer {
namespace fs = std::filesystem;
namespace {

std::string SanitizedName(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  return out;
}

std::string DimsText(const model::TensorInfo& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i) s += ",";
    s += t.dims[i].is_static() ? std::to_string(t.dims[i].value)
                               : (t.dims[i].symbol.empty() ? "?" : t.dims[i].symbol);
  }
  return s + "]";
}

Status CheckSampleTensor(const model::TensorInfo& input, const exec::HostTensor& value,
                         const std::string& path) {
  if (value.dtype() != input.dtype)
    return InvalidArgument("calibration file '", path, "' holds ", DTypeName(value.dtype()),
                           " data; model input '", input.name, "' expects ", DTypeName(input.dtype));
  bool shape_ok = !input.has_shape || value.shape().size() == input.dims.size();
  for (size_t d = 0; shape_ok && input.has_shape && d < input.dims.size(); ++d)
    if (input.dims[d].is_static() && input.dims[d].value != value.shape()[d]) shape_ok = false;
  if (!shape_ok)
    return InvalidArgument("calibration file '", path, "' has shape ", ShapeToString(value.shape()),
                           "; model input '", input.name, "' expects ", DimsText(input));
  if (value.dtype() == DType::kF32) {
    const float* v = value.as<float>();
    for (int64_t i = 0; i < value.numel(); ++i)
      if (!std::isfinite(v[i]))
        return InvalidArgument("calibration file '", path, "' holds ", v[i], " at element ", i,
                               "; calibration data must be finite (no NaN or Inf)");
  }
  return Status::Ok();
}

// The .npy path of `input` in one sample directory: the exact name, else the sanitized one.
Result<fs::path> FindInputFile(const fs::path& sample_dir, const std::string& input) {
  for (const std::string& name : {input, SanitizedName(input)}) {
    std::error_code ec;
    const fs::path p = sample_dir / (name + ".npy");
    if (name.find('/') == std::string::npos && fs::is_regular_file(p, ec)) return p;
  }
  return InvalidArgument("calibration sample '", sample_dir.string(), "' has no file for model input '",
                         input, "'; expected ", (sample_dir / (SanitizedName(input) + ".npy")).string());
}

Result<std::vector<fs::path>> ListSampleDirs(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return InvalidArgument("calibration directory '", dir,
                           "' does not exist or is not a directory; expected one subdirectory per sample");
  std::vector<fs::path> subdirs;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory()) subdirs.push_back(entry.path());
  }
  if (ec) return IoError("cannot list calibration directory '", dir, "': ", ec.message());
  std::sort(subdirs.begin(), subdirs.end());
  if (subdirs.empty())
    return InvalidArgument("calibration directory '", dir,
                           "' has no sample subdirectories; expected e.g. ", dir,
                           "/0001/<input name>.npy");
  return subdirs;
}

}  // namespace

Result<SampleSet> LoadSampleDir(const model::Graph& graph, const std::string& dir) {
  MOTA_ASSIGN_OR_RETURN(std::vector<fs::path> subdirs, ListSampleDirs(dir));
  SampleSet set;
  set.source = "dir";
  std::vector<uint8_t> digests;  // each file's sha256, in order
  for (const fs::path& sub : subdirs) {
    std::vector<exec::HostTensor> values;
    std::set<std::string> expected;
    for (int32_t id : graph.inputs) {
      const model::TensorInfo& input = graph.tensors[id];
      MOTA_ASSIGN_OR_RETURN(fs::path path, FindInputFile(sub, input.name));
      expected.insert(path.filename().string());
      MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path.string()));
      MOTA_ASSIGN_OR_RETURN(exec::HostTensor value, exec::ParseNpy(bytes, path.string()));
      MOTA_RETURN_IF_ERROR(CheckSampleTensor(input, value, path.string()));
      const Sha256Digest d = Sha256(bytes);
      digests.insert(digests.end(), d.begin(), d.end());
      values.push_back(std::move(value));
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(sub, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".npy" && !expected.count(name))
        return InvalidArgument("calibration sample '", sub.string(), "' has '", name,
                               "', which names no model input; expected only the inputs' files");
    }
    set.samples.push_back(std::move(values));
    set.names.push_back(sub.filename().string());
  }
  set.sha256 = Sha256Hex(digests);
  return set;
}

Result<SampleSet> RandomSamples(const model::Graph& graph, int count, uint64_t seed) {
  if (count <= 0)
    return InvalidArgument("--calibration-random needs a sample count >= 1; got ", count);
  SampleSet set;
  set.source = "random";
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint8_t> digests;
  for (int s = 0; s < count; ++s) {
    std::vector<exec::HostTensor> values;
    for (int32_t id : graph.inputs) {
      const model::TensorInfo& input = graph.tensors[id];
      if (!input.IsStaticShape() || input.dtype != DType::kF32)
        return InvalidArgument("model input '", input.name, "' is ", DTypeName(input.dtype), " ",
                               DimsText(input),
                               "; random calibration needs static f32 inputs: use --calibration DIR");
      exec::HostTensor t = exec::HostTensor::Allocate(DType::kF32, input.StaticShape());
      float* v = t.as<float>();
      for (int64_t i = 0; i < t.numel(); ++i) v[i] = normal(rng);
      const Sha256Digest d = Sha256({t.data(), t.nbytes()});
      digests.insert(digests.end(), d.begin(), d.end());
      values.push_back(std::move(t));
    }
    set.samples.push_back(std::move(values));
    set.names.push_back("random-" + std::to_string(s));
  }
  set.sha256 = Sha256Hex(digests);
  return set;
}

}  // namespace mota::quantizer
