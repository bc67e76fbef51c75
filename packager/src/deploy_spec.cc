// deploy.yaml: the top level, variants, quirks and the file checks (deploy-spec.md).
#include "packager/src/deploy_spec.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <system_error>

#include "base/file.h"
#include "exec/npy.h"
#include "exec/vulkan/vk_tuning_keys.h"
#include "packager/src/deploy_spec_reader.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;
using deploy_internal::Diagnostics;
using deploy_internal::Entry;
using deploy_internal::MapReader;

const std::vector<std::string_view> kBackends = {"cpu", "vulkan"};
const std::vector<std::string_view> kPrecisions = {"fp32", "fp16", "int8", "int8-weights"};
const std::vector<std::string_view> kDriverQuirkActions = {"disable_fp16", "disable_backend",
                                                            "tuning"};
const std::vector<std::string_view> kMethods = {"minmax", "percentile", "entropy"};

// State shared by the parts of one parse.
struct Context {
  Diagnostics& diag;
  fs::path base_dir;
  DeploySpec& spec;
};

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// repository.md's names: safe in paths, URLs and TUF role names.
bool IsName(const std::string& s) {
  static const std::regex kName("[a-z0-9][a-z0-9_-]{0,63}");
  return std::regex_match(s, kName);
}

bool ReadName(Diagnostics& diag, const Entry& e, const std::string& label, std::string* out) {
  if (!ReadString(diag, e, label, out)) return false;
  if (IsName(*out)) return true;
  diag.Error(e.ValueMark(), StrCat(label, " ", Quote(*out),
                                   " is not a valid name (expected [a-z0-9][a-z0-9_-]{0,63}: "
                                   "lowercase letters, digits, '_' and '-', at most 64)"));
  return false;
}

fs::path Resolve(const Context& ctx, const std::string& path) {
  const fs::path p(path);
  return (p.is_absolute() ? p : ctx.base_dir / p).lexically_normal();
}

// Resolves a path entry and checks that it exists with the expected kind.
bool ReadPath(const Context& ctx, const Entry& e, const std::string& label, bool directory,
              std::string* out) {
  std::string text;
  if (!ReadString(ctx.diag, e, label, &text)) return false;
  const fs::path resolved = Resolve(ctx, text);
  std::error_code ec;
  const fs::file_status st = fs::status(resolved, ec);
  const char* kind = directory ? "directory" : "file";
  std::string problem;
  if (!fs::exists(st)) {
    problem = "does not exist";
  } else if (directory ? !fs::is_directory(st) : !fs::is_regular_file(st)) {
    problem = StrCat("is not a ", kind);
  }
  if (!problem.empty()) {
    ctx.diag.Error(e.ValueMark(), StrCat(label, ": ", kind, " ", Quote(text), " ", problem,
                                         " (resolved against the yaml's directory to ",
                                         Quote(resolved.string()), ")"));
    return false;
  }
  *out = resolved.string();
  return true;
}

void ParseGate(Diagnostics& diag, const Entry& e, const std::string& where, AccuracyGate* gate) {
  MapReader m(diag, e.value, where, "gate.", {"min_cosine", "min_sqnr_db"});
  double v = 0;
  if (const Entry* c = m.Get("min_cosine");
      c && ReadNumber(diag, *c, m.Label("min_cosine"), 0, 1, &v)) {
    gate->min_cosine = v;
  }
  if (const Entry* s = m.Get("min_sqnr_db");
      s && ReadNumber(diag, *s, m.Label("min_sqnr_db"), 0, 200, &v)) {
    gate->min_sqnr_db = v;
  }
}

void ParseInputs(Context& ctx, const Entry& e) {
  MapReader m(ctx.diag, e.value, "", "inputs.", {});
  if (m.ok() && m.entries().empty()) {
    ctx.diag.Error(e.ValueMark(), "inputs: no inputs; expected NAME: [dims] for every model input");
  }
  for (const Entry& input : m.entries()) {
    InputShape shape{input.key, {}};
    if (!ReadIntList(ctx.diag, input, m.Label(input.key), 1, INT32_MAX, false, &shape.dims))
      continue;
    ctx.spec.inputs.push_back(std::move(shape));
  }
}

std::string ShapeText(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += StrCat(i ? ", " : "", dims[i]);
  return out + "]";
}

// The file name of an input's sample: the name, or its sanitized form (quantizer/src/samples.h).
std::string SanitizedName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

std::vector<fs::path> SortedChildren(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// One sample directory against the declared inputs; returns its problems.
std::vector<std::string> CheckSample(const fs::path& sample,
                                     const std::vector<InputShape>& inputs) {
  std::vector<std::string> problems;
  std::vector<std::string> expected;
  for (const InputShape& input : inputs) {
    fs::path file = sample / (input.name + ".npy");
    if (!fs::exists(file)) file = sample / (SanitizedName(input.name) + ".npy");
    expected.push_back(file.filename().string());
    if (!fs::exists(file)) {
      problems.push_back(
          StrCat(Quote(file.string()), " is missing (every sample needs one .npy per input)"));
      continue;
    }
    Result<exec::HostTensor> t = exec::ReadNpy(file.string());
    if (!t.ok()) {
      problems.push_back(t.status().message());
      continue;
    }
    std::vector<int64_t> dims(t->shape().begin(), t->shape().end());
    if (dims != input.dims) {
      problems.push_back(StrCat(Quote(file.string()), " has shape ", ShapeText(dims), "; inputs.",
                                input.name, " declares ", ShapeText(input.dims)));
    }
  }
  for (const fs::path& child : SortedChildren(sample)) {
    const std::string name = child.filename().string();
    if (child.extension() == ".npy" &&
        std::find(expected.begin(), expected.end(), name) == expected.end()) {
      problems.push_back(StrCat(
          Quote(child.string()), " is not an input of the spec (inputs: ",
          [&] {
            std::string s;
            for (const InputShape& i : inputs) s += (s.empty() ? "" : ", ") + i.name;
            return s;
          }(),
          ")"));
    }
  }
  return problems;
}

// A calibration or evaluation directory: one subdirectory per sample matching the inputs.
// Reports at most a few problems per directory so that 100 bad samples stay readable.
int CheckSampleDir(const Context& ctx, const Entry& e, const std::string& label,
                   const std::string& dir) {
  constexpr size_t kMaxShown = 4;
  int samples = 0;
  std::vector<std::string> problems;
  for (const fs::path& child : SortedChildren(dir)) {
    if (!fs::is_directory(child)) continue;  // labels.json and the like
    ++samples;
    for (std::string& p : CheckSample(child, ctx.spec.inputs)) problems.push_back(std::move(p));
  }
  if (samples == 0) {
    ctx.diag.Error(e.ValueMark(), StrCat(label, ": ", Quote(dir),
                                         " holds no samples (expected one subdirectory per "
                                         "sample, e.g. 0000/<input>.npy)"));
  }
  for (size_t i = 0; i < problems.size() && i < kMaxShown; ++i) {
    ctx.diag.Error(e.ValueMark(), StrCat(label, ": ", problems[i]));
  }
  if (problems.size() > kMaxShown) {
    ctx.diag.Error(e.ValueMark(), StrCat(label, ": ... and ", problems.size() - kMaxShown,
                                         " more problems with these samples"));
  }
  return samples;
}

void ParseCalibration(Context& ctx, const Entry& e, bool inputs_ok) {
  MapReader m(ctx.diag, e.value, "", "calibration.", {"dir", "eval", "method", "percentile"});
  if (!m.ok()) return;
  Calibration& cal = ctx.spec.calibration.emplace();
  if (const Entry* d = m.Require("dir"); d && ReadPath(ctx, *d, m.Label("dir"), true, &cal.dir)) {
    if (inputs_ok) cal.samples = CheckSampleDir(ctx, *d, m.Label("dir"), cal.dir);
  }
  if (const Entry* d = m.Get("eval");
      d && ReadPath(ctx, *d, m.Label("eval"), true, &cal.eval_dir)) {
    if (inputs_ok) cal.eval_samples = CheckSampleDir(ctx, *d, m.Label("eval"), cal.eval_dir);
  }
  if (const Entry* me = m.Get("method"))
    ReadEnum(ctx.diag, *me, m.Label("method"), kMethods, &cal.method);
  if (const Entry* p = m.Get("percentile")) {
    if (ReadNumber(ctx.diag, *p, m.Label("percentile"), 1e-9, 100, &cal.percentile) &&
        cal.method != "percentile") {
      ctx.diag.Error(p->key_node.Mark(), StrCat(m.Label("percentile"),
                                                ": applies only to method "
                                                "percentile (method is ",
                                                cal.method, ")"));
    }
  }
}

void ParseWorkgroupSizes(Diagnostics& diag, const Entry& e, const std::string& where, Tuning* t) {
  MapReader m(diag, e.value, where, "tuning.workgroup_size.", {});
  for (const Entry& family : m.entries()) {
    const std::string label = m.Label(family.key);
    if (!tuf::IsGpuFamilyKey(family.key)) {
      diag.Error(family.key_node.Mark(),
                 StrCat(label, ": GPU family ", Quote(family.key),
                        " is neither 'default' nor a PCI vendor id like '0x5143' (lowercase hex, "
                        "at least 4 digits, no extra leading zeros)"));
      continue;
    }
    std::vector<int64_t> xyz;
    if (!ReadIntList(diag, family, label, 1, 1024, false, &xyz)) continue;
    if (xyz.size() != 3 || xyz[0] * xyz[1] * xyz[2] > 1024) {
      diag.Error(family.ValueMark(),
                 StrCat(label, ": ", ShapeText(xyz), " is not [x, y, z] with x*y*z <= 1024"));
      continue;
    }
    t->workgroup_size[family.key] = {xyz[0], xyz[1], xyz[2]};
  }
}

// "unknown Vulkan tuning parameter 'gemm_tiles' (expected one of ...; did you mean 'gemm_tile'?)".
std::string UnknownTuningParameter(const std::string& name) {
  std::string out = StrCat("unknown Vulkan tuning parameter ", Quote(name), " (expected one of ",
                           exec::vk::TuningKeyNames());
  for (const exec::vk::TuningKey& key : exec::vk::kTuningKeys) {
    if (deploy_internal::EditDistance(name, key.name) <= 2) {
      return StrCat(out, "; did you mean ", Quote(std::string(key.name)), "?)");
    }
  }
  return out + ")";
}

// {parameter: integer}, every parameter and value checked against the Vulkan backend's table.
void ParseVulkanParamMap(Diagnostics& diag, const YAML::Node& node, const std::string& where,
                         const std::string& prefix, std::map<std::string, int64_t>* out) {
  MapReader params(diag, node, where, prefix, {});
  if (!params.ok()) return;
  for (const Entry& p : params.entries()) {
    const std::string label = params.Label(p.key);
    const exec::vk::TuningKey* key = exec::vk::FindTuningKey(p.key);
    if (key == nullptr) {
      diag.Error(p.key_node.Mark(), StrCat(label, ": ", UnknownTuningParameter(p.key)));
      continue;
    }
    int64_t value = 0;
    if (!ReadInt(diag, p, label, INT64_MIN, INT64_MAX, &value)) continue;
    if (!exec::vk::CheckTuningValue(*key, value).ok()) {
      diag.Error(p.ValueMark(),
                 StrCat(label, ": ", value, " is not ", exec::vk::TuningValueRange(*key),
                        " (the Vulkan backend's range for ", key->name, ")"));
      continue;
    }
    (*out)[p.key] = value;
  }
}

// tuning.vulkan_params: GPU family -> {parameter: integer}. Every parameter and value is checked
// against the Vulkan backend's own table (exec/vulkan/vk_tuning_keys.h), the one the device
// parses with: what passes here fails on a device only beyond that device's own limits.
void ParseVulkanParams(Diagnostics& diag, const Entry& e, const std::string& where, Tuning* t) {
  MapReader m(diag, e.value, where, "tuning.vulkan_params.", {});
  for (const Entry& family : m.entries()) {
    if (!tuf::IsGpuFamilyKey(family.key)) {
      diag.Error(family.key_node.Mark(),
                 StrCat(m.Label(family.key), ": GPU family ", Quote(family.key),
                        " is neither 'default' nor a PCI vendor id like '0x10de' (quoted, "
                        "lowercase hex, at least 4 digits, no extra leading zeros)"));
      continue;
    }
    ParseVulkanParamMap(diag, family.value, where,
                        StrCat("tuning.vulkan_params.", family.key, "."),
                        &t->vulkan_params[family.key]);
  }
}

void ParseTuning(Diagnostics& diag, const Entry& e, const std::string& where,
                 const std::string& backend, Tuning* t) {
  MapReader m(diag, e.value, where, "tuning.", {"threads", "workgroup_size", "vulkan_params"});
  // Each key belongs to one backend; a key of the other backend would be silently ignored.
  auto check_backend = [&](const Entry& key, const char* wanted) {
    if (backend.empty() || backend == wanted) return true;
    diag.Error(key.key_node.Mark(), StrCat(m.Label(key.key), ": applies only to backend ", wanted,
                                           " (this variant's backend is ", backend, ")"));
    return false;
  };
  int64_t threads = 0;
  if (const Entry* th = m.Get("threads");
      th && check_backend(*th, "cpu") && ReadInt(diag, *th, m.Label("threads"), 1, 256, &threads)) {
    t->threads = threads;
  }
  if (const Entry* wg = m.Get("workgroup_size"); wg && check_backend(*wg, "vulkan")) {
    ParseWorkgroupSizes(diag, *wg, where, t);
  }
  if (const Entry* vp = m.Get("vulkan_params"); vp && check_backend(*vp, "vulkan")) {
    ParseVulkanParams(diag, *vp, where, t);
  }
}

// One entry of a vulkan variant's `driver_quirks`: what the device's Vulkan backend checks
// (vk_quirks.h), so a quirk the parser accepts never fails the variant on the device.
void ParseDriverQuirk(Diagnostics& diag, const YAML::Node& node, const std::string& where,
                      size_t index, std::vector<DriverQuirk>* out) {
  const std::string label = StrCat("driver_quirks[", index, "]");
  MapReader m(diag, node, where, label + ".", {"when", "action", "tuning", "reason"});
  if (!m.ok()) return;
  DriverQuirk q;
  if (const Entry* w = m.Require("when")) {
    const size_t before = diag.count();
    deploy_internal::ParseConditions(diag, w->value, where, label + ".when", &q.when);
    DeviceConditions rest = q.when;
    rest.gpu.reset();
    if (diag.count() == before && (!q.when.gpu || !rest.empty())) {
      diag.Error(w->ValueMark(), m.Label("when") +
                                     ": give only `gpu` conditions (vendor_ids, device_ids, "
                                     "driver_version, ...): a driver quirk is checked against the "
                                     "GPU; use top-level quirks to deny devices by other facts");
    } else if (q.when.gpu && !q.when.gpu->api.empty() && q.when.gpu->api != "vulkan") {
      diag.Error(w->ValueMark(), m.Label("when") + ": gpu.api must be vulkan here");
    }
  }
  if (const Entry* a = m.Require("action"))
    ReadEnum(diag, *a, m.Label("action"), kDriverQuirkActions, &q.action);
  const Entry* tuning = m.Get("tuning");
  if (q.action == "tuning") {
    if (tuning == nullptr) {
      diag.Error(node.Mark(), m.Label("tuning") +
                                  ": missing; action tuning needs {parameter: integer, ...} "
                                  "(the parameters of tuning.vulkan_params)");
    } else {
      ParseVulkanParamMap(diag, tuning->value, where, label + ".tuning.", &q.tuning);
      if (tuning->value.IsMap() && tuning->value.size() == 0) {
        diag.Error(tuning->ValueMark(), m.Label("tuning") + ": empty; give the parameters to set");
      }
    }
  } else if (tuning != nullptr && !q.action.empty()) {
    diag.Error(tuning->key_node.Mark(),
               m.Label("tuning") + ": only for action tuning (this quirk's action is " +
                   q.action + ")");
  }
  if (const Entry* r = m.Require("reason");
      r && ReadString(diag, *r, m.Label("reason"), &q.reason) && q.reason.empty()) {
    diag.Error(r->ValueMark(), m.Label("reason") + ": empty; say which driver bug this avoids");
  }
  out->push_back(std::move(q));
}

void ParseDriverQuirks(Diagnostics& diag, const Entry& e, const std::string& where,
                       const std::string& backend, std::vector<DriverQuirk>* out) {
  if (!backend.empty() && backend != "vulkan") {
    diag.Error(e.key_node.Mark(), StrCat(where, ": driver_quirks: applies only to backend vulkan ",
                                         "(this variant's backend is ", backend, ")"));
    return;
  }
  if (!e.value.IsSequence()) {
    diag.Error(e.ValueMark(), StrCat(where, ": driver_quirks: expected a list, got ",
                                     deploy_internal::Describe(e.value)));
    return;
  }
  size_t i = 0;
  for (const YAML::Node& item : e.value) ParseDriverQuirk(diag, item, where, i++, out);
}

// "variant 'id'" when the id is a readable string, else "variants[i]".
std::string VariantWhere(const YAML::Node& node, size_t index) {
  if (node.IsMap()) {
    const YAML::Node id = node["id"];
    if (id.IsDefined() && deploy_internal::Classify(id) == deploy_internal::ScalarKind::kString) {
      return "variant " + Quote(id.Scalar());
    }
  }
  return StrCat("variants[", index, "]");
}

void ParseVariant(Context& ctx, const YAML::Node& node, size_t index) {
  Diagnostics& diag = ctx.diag;
  const std::string where = VariantWhere(node, index);
  MapReader m(
      diag, node, where, "",
      {"id", "backend", "precision", "requires", "priority", "gate", "tuning", "driver_quirks"});
  if (!m.ok()) return;
  Variant v;
  v.mark = {node.Mark().line + 1, node.Mark().column + 1};
  if (const Entry* id = m.Require("id"); id && ReadName(diag, *id, m.Label("id"), &v.id)) {
    for (const Variant& other : ctx.spec.variants) {
      if (other.id != v.id) continue;
      diag.Error(id->ValueMark(),
                 StrCat(m.Label("id"), " ", Quote(v.id), " is used twice (first at line ",
                        other.mark.line, "); variant ids must be unique"));
    }
  }
  if (const Entry* b = m.Require("backend"))
    ReadEnum(diag, *b, m.Label("backend"), kBackends, &v.backend);
  if (const Entry* p = m.Require("precision")) {
    if (ReadEnum(diag, *p, m.Label("precision"), kPrecisions, &v.precision) &&
        v.precision == "int8" && !ctx.spec.calibration) {
      diag.Error(p->ValueMark(), StrCat(m.Label("precision"),
                                        " 'int8' needs calibration data: add calibration.dir"));
    }
  }
  if (const Entry* r = m.Get("requires")) {
    deploy_internal::ParseConditions(diag, r->value, where, "requires", &v.requires_);
  }
  if (const Entry* p = m.Get("priority")) {
    ReadInt(diag, *p, m.Label("priority"), INT32_MIN, INT32_MAX, &v.priority);
  }
  if (const Entry* g = m.Get("gate")) ParseGate(diag, *g, where, &v.gate);
  if (const Entry* t = m.Get("tuning")) ParseTuning(diag, *t, where, v.backend, &v.tuning);
  if (const Entry* q = m.Get("driver_quirks"))
    ParseDriverQuirks(diag, *q, where, v.backend, &v.driver_quirks);
  ctx.spec.variants.push_back(std::move(v));
}

// Each entry of `deny` must name a variant of this file.
void CheckDenied(Context& ctx, const MapReader& m, const std::vector<YAML::Mark>& marks,
                 const Quirk& q) {
  for (size_t i = 0; i < q.deny.size(); ++i) {
    const auto& vs = ctx.spec.variants;
    if (std::any_of(vs.begin(), vs.end(), [&](const Variant& v) { return v.id == q.deny[i]; })) {
      continue;
    }
    std::string message =
        StrCat(m.Label("deny"), "[", i, "]: no variant ", Quote(q.deny[i]), " in this file");
    std::string best;
    int best_distance = 3;
    for (const Variant& v : vs) {
      const int d = deploy_internal::EditDistance(q.deny[i], v.id);
      if (d < best_distance) best_distance = d, best = v.id;
    }
    if (!best.empty()) message += StrCat(" (did you mean ", Quote(best), "?)");
    ctx.diag.Error(marks[i], message);
  }
}

void ParseQuirk(Context& ctx, const YAML::Node& node, size_t index) {
  Diagnostics& diag = ctx.diag;
  MapReader m(diag, node, StrCat("quirks[", index, "]"), "",
              {"when", "deny", "deny_all_backend", "reason"});
  if (!m.ok()) return;
  Quirk q;
  q.mark = {node.Mark().line + 1, node.Mark().column + 1};
  if (const Entry* w = m.Require("when")) {
    const size_t before = diag.count();
    deploy_internal::ParseConditions(diag, w->value, StrCat("quirks[", index, "]"), "when",
                                     &q.when);
    if (diag.count() == before && q.when.empty()) {
      diag.Error(w->ValueMark(),
                 m.Label("when") + ": no conditions: the quirk would deny on every device");
    }
  }
  const Entry* deny = m.Get("deny");
  const Entry* deny_all = m.Get("deny_all_backend");
  std::vector<YAML::Mark> marks;
  if (deny && deny_all) {
    diag.Error(deny_all->key_node.Mark(),
               m.Label("deny_all_backend") + ": give either deny or deny_all_backend, not both");
  } else if (!deny && !deny_all) {
    diag.Error(m.mark(), m.Label("deny") +
                             ": missing; give deny: [variant ids] or "
                             "deny_all_backend: cpu | vulkan");
  } else if (deny && ReadStringList(diag, *deny, m.Label("deny"), {}, &q.deny, &marks)) {
    CheckDenied(ctx, m, marks, q);
  } else if (deny_all) {
    ReadEnum(diag, *deny_all, m.Label("deny_all_backend"), kBackends, &q.deny_all_backend);
  }
  if (const Entry* r = m.Require("reason");
      r && ReadString(diag, *r, m.Label("reason"), &q.reason) && q.reason.empty()) {
    diag.Error(r->ValueMark(), m.Label("reason") + ": empty; say why these devices are denied");
  }
  ctx.spec.quirks.push_back(std::move(q));
}

// Calls `parse(element, index)` for each element of a list entry; reports a non-list or an
// empty list (when `non_empty`).
template <typename F>
void ForEachItem(Diagnostics& diag, const Entry& e, const std::string& label, bool non_empty,
                 F parse) {
  if (!e.value.IsSequence()) {
    diag.Error(e.ValueMark(),
               StrCat(label, ": expected a list, got ", deploy_internal::Describe(e.value)));
    return;
  }
  if (non_empty && e.value.size() == 0) {
    diag.Error(e.ValueMark(), StrCat(label, ": empty; list at least one"));
  }
  size_t i = 0;
  for (const YAML::Node& item : e.value) parse(item, i++);
}

void ParseHeader(Context& ctx, MapReader& top) {
  Diagnostics& diag = ctx.diag;
  DeploySpec& spec = ctx.spec;
  if (const Entry* f = top.Get("format")) ReadInt(diag, *f, "format", 1, 1, &spec.format);
  if (const Entry* m = top.Require("model"); m && ReadName(diag, *m, "model", &spec.model)) {
    for (const char* reserved : {"root", "targets", "snapshot", "timestamp"}) {
      if (spec.model != reserved) continue;
      diag.Error(m->ValueMark(), StrCat("model ", Quote(spec.model),
                                        " is a TUF role name; choose another model name"));
    }
  }
  if (const Entry* v = top.Require("version"); v &&
                                               ReadString(diag, *v, "version", &spec.version) &&
                                               (spec.version.empty() || spec.version.size() > 64)) {
    diag.Error(v->ValueMark(), StrCat("version: ", spec.version.size(),
                                      " bytes; expected 1 to 64 (a label such as \"2.1.0\")"));
  }
  if (const Entry* s = top.Require("source")) ReadPath(ctx, *s, "source", false, &spec.source);
}

void ParseTop(Context& ctx, const YAML::Node& root) {
  Diagnostics& diag = ctx.diag;
  MapReader top(diag, root, "", "",
                {"format", "model", "version", "source", "inputs", "calibration", "gate",
                 "variants", "quirks"});
  if (!top.ok()) return;
  ParseHeader(ctx, top);
  const size_t before_inputs = diag.count();
  if (const Entry* i = top.Require("inputs")) ParseInputs(ctx, *i);
  const bool inputs_ok = top.Get("inputs") && diag.count() == before_inputs;
  if (const Entry* c = top.Get("calibration")) ParseCalibration(ctx, *c, inputs_ok);
  if (const Entry* g = top.Get("gate")) ParseGate(diag, *g, "", &ctx.spec.gate);
  if (const Entry* v = top.Require("variants")) {
    ForEachItem(diag, *v, "variants", true,
                [&](const YAML::Node& n, size_t i) { ParseVariant(ctx, n, i); });
  }
  if (const Entry* q = top.Get("quirks")) {
    ForEachItem(diag, *q, "quirks", false,
                [&](const YAML::Node& n, size_t i) { ParseQuirk(ctx, n, i); });
  }
}

}  // namespace

ParsedDeploySpec ParseDeploySpec(std::string_view yaml, const std::string& display_name,
                                 const std::string& base_dir) {
  ParsedDeploySpec out;
  out.spec.path = display_name;
  Diagnostics diag(display_name);
  Context ctx{diag, fs::path(base_dir.empty() ? "." : base_dir), out.spec};
  // yaml-cpp throws on syntax errors; they end here, as one positioned error.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) {
      diag.Error(YAML::Mark(),
                 "the file is empty; expected a mapping with model, version, "
                 "source, inputs and variants (deploy-spec.md)");
    } else {
      ParseTop(ctx, root);
    }
  } catch (const YAML::Exception& e) {
    diag.Error(e.mark, "YAML syntax error: " + e.msg);
  }
  out.errors = diag.Sorted();
  return out;
}

Result<DeploySpec> LoadDeploySpec(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return NotFound("deploy spec ", Quote(path), " does not exist or is not a file");
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  const std::string text(bytes.begin(), bytes.end());
  ParsedDeploySpec parsed = ParseDeploySpec(text, path, fs::path(path).parent_path().string());
  if (parsed.errors.empty()) return std::move(parsed.spec);
  std::string message =
      StrCat(parsed.errors.size(), parsed.errors.size() == 1 ? " error" : " errors",
             " in deploy spec ", Quote(path), " (see manifests/spec/deploy-spec.md):");
  for (const std::string& e : parsed.errors) message += "\n" + e;
  return InvalidArgument(message);
}

AccuracyGate EffectiveGate(const DeploySpec& spec, const Variant& variant) {
  AccuracyGate gate = spec.gate;
  if (variant.gate.min_cosine) gate.min_cosine = variant.gate.min_cosine;
  if (variant.gate.min_sqnr_db) gate.min_sqnr_db = variant.gate.min_sqnr_db;
  return gate;
}

conditions::Requires TargetRequires(const DeploySpec& spec, const Variant& variant) {
  conditions::Requires out;
  out.conditions = variant.requires_;
  for (const Quirk& q : spec.quirks) {
    if (q.Denies(variant)) out.quirks.push_back({q.when, q.reason});
  }
  return out;
}

}  // namespace mota::packager
