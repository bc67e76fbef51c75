// `mota inspect FILE.mota [--json]`: what a model file holds, without running it. A quantized
// model's report (metadata property `quantization.report`, manifests/spec/quantization.md) is
// shown as its own section, and in --json as a parsed object under "quantization_report".
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "model/loader.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct InspectArgs {
  std::string path;
  bool json = false;
};

struct ModelFacts {
  size_t file_bytes = 0;
  std::string file_sha256;
  uint32_t format_version = 0;
  size_t constants = 0;
  uint64_t parameter_bytes = 0;
  size_t quantized_tensors = 0;
  std::vector<std::pair<std::string, int>> op_counts;  // most frequent first
};

ModelFacts CollectFacts(const model::Model& model) {
  ModelFacts f;
  const model::Graph& g = model.graph();
  f.file_bytes = model.file_bytes().size();
  f.file_sha256 = Sha256Hex(model.file_bytes());
  f.format_version = model.format_version();
  for (const model::TensorInfo& t : g.tensors) {
    if (t.is_constant) {
      ++f.constants;
      f.parameter_bytes += t.constant.size;
    }
    if (!t.quant.empty()) ++f.quantized_tensors;
  }
  std::map<std::string, int> counts;
  for (const model::Node& n : g.nodes) ++counts[n.op_type];
  f.op_counts.assign(counts.begin(), counts.end());
  std::stable_sort(f.op_counts.begin(), f.op_counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return f;
}

// The quantization report of a model, parsed; `error` says why a present report is unusable.
struct QuantReport {
  bool present = false;
  nlohmann::json json;
  std::string error;
};

constexpr const char* kReportProperty = "quantization.report";

QuantReport ParseQuantReport(const model::Metadata& m) {
  QuantReport r;
  auto it = m.properties.find(kReportProperty);
  if (it == m.properties.end()) return r;
  r.present = true;
  r.json = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (r.json.is_discarded()) {
    r.error = "the metadata property quantization.report is not valid JSON";
  } else if (!r.json.is_object()) {
    r.error = std::string("the metadata property quantization.report is a JSON ") +
              r.json.type_name() + ", expected an object (quantization.md)";
  }
  return r;
}

// j[key] when j is an object holding key, else null: reports come from files, so every field
// may be missing or of another type, and printing must not fail on that.
const nlohmann::json* Field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A field as text: numbers with printf `format`, strings as they are, "-" when absent or null.
std::string FieldText(const nlohmann::json& j, const char* key, const char* format = "%g") {
  const nlohmann::json* v = Field(j, key);
  if (v == nullptr || v->is_null()) return "-";
  if (v->is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), format, v->get<double>());
    return buf;
  }
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  return v->dump();
}

// "cosine 0.998100, SQNR 24.1 dB, max abs 0.03"
std::string MetricsText(const nlohmann::json& j) {
  return "cosine " + FieldText(j, "cosine", "%.6f") + ", SQNR " + FieldText(j, "sqnr_db", "%.1f") +
         " dB, max abs " + FieldText(j, "max_abs", "%.4g");
}

std::string SizeText(const nlohmann::json& size) {
  const nlohmann::json* before = Field(size, "before");
  const nlohmann::json* after = Field(size, "after");
  if (before == nullptr || after == nullptr || !before->is_number_unsigned() ||
      !after->is_number_unsigned()) {
    return FieldText(size, "before") + " -> " + FieldText(size, "after") + " bytes";
  }
  const uint64_t b = before->get<uint64_t>(), a = after->get<uint64_t>();
  char ratio[64] = "";
  if (a > 0) std::snprintf(ratio, sizeof(ratio), ", %.2fx smaller", static_cast<double>(b) / a);
  return HumanBytes(b) + " -> " + HumanBytes(a) + " (" + std::to_string(b) + " -> " +
         std::to_string(a) + " bytes" + ratio + ")";
}

std::string GateText(const nlohmann::json& gate) {
  const nlohmann::json* passed = Field(gate, "passed");
  const char* verdict = passed == nullptr || !passed->is_boolean() ? "not recorded"
                        : passed->get<bool>()                      ? "passed"
                                                                   : "FAILED";
  return "cosine >= " + FieldText(gate, "min_cosine") +
         ", SQNR >= " + FieldText(gate, "min_sqnr_db") + " dB: " + verdict;
}

bool KeptInFp32(const nlohmann::json& layer) { return FieldText(layer, "precision") == "fp32"; }

// Kept-in-fp32 layers first (what the accuracy gate decided), then the rest in report order.
std::vector<const nlohmann::json*> OrderedLayers(const nlohmann::json& report) {
  std::vector<const nlohmann::json*> layers;
  const nlohmann::json* list = Field(report, "layers");
  if (list == nullptr || !list->is_array()) return layers;
  for (const nlohmann::json& l : *list) layers.push_back(&l);
  std::stable_partition(layers.begin(), layers.end(),
                        [](const nlohmann::json* l) { return KeptInFp32(*l); });
  return layers;
}

void PrintLayerTable(const std::vector<const nlohmann::json*>& layers) {
  int node_width = 4, op_width = 2;
  for (const nlohmann::json* l : layers) {
    node_width = std::max(node_width, static_cast<int>(FieldText(*l, "node").size()));
    op_width = std::max(op_width, static_cast<int>(FieldText(*l, "op").size()));
  }
  node_width = std::min(node_width, 40);
  std::printf("  %-*s  %-*s  %-9s  %8s  %9s  %9s  %s\n", node_width, "node", op_width, "op",
              "precision", "SQNR dB", "cosine", "max abs", "reason");
  for (const nlohmann::json* l : layers) {
    std::printf("  %-*s  %-*s  %-9s  %8s  %9s  %9s", node_width, FieldText(*l, "node").c_str(),
                op_width, FieldText(*l, "op").c_str(), FieldText(*l, "precision").c_str(),
                FieldText(*l, "sqnr_db", "%.1f").c_str(), FieldText(*l, "cosine", "%.6f").c_str(),
                FieldText(*l, "max_abs", "%.4g").c_str());
    if (Field(*l, "reason") != nullptr) std::printf("  %s", FieldText(*l, "reason").c_str());
    std::printf("\n");
  }
}

void PrintQuantReport(const QuantReport& r) {
  if (!r.present) return;
  if (!r.error.empty()) {
    std::printf("quantization:   report unreadable: %s\n", r.error.c_str());
    return;
  }
  const nlohmann::json& j = r.json;
  std::printf("quantization:   %s", FieldText(j, "precision").c_str());
  if (Field(j, "method")) std::printf(", method %s", FieldText(j, "method").c_str());
  std::printf(" (report format %s)\n", FieldText(j, "format").c_str());
  if (const nlohmann::json* c = Field(j, "calibration"); c != nullptr && c->is_object()) {
    std::printf("  calibration:  %s, %s samples, sha256 %s\n", FieldText(*c, "source").c_str(),
                FieldText(*c, "samples").c_str(), FieldText(*c, "sha256").c_str());
  }
  if (const nlohmann::json* s = Field(j, "size"))
    std::printf("  size:         %s\n", SizeText(*s).c_str());
  if (const nlohmann::json* g = Field(j, "gate"))
    std::printf("  gate:         %s\n", GateText(*g).c_str());
  if (const nlohmann::json* m = Field(j, "model")) {
    std::printf("  model:        %s\n", MetricsText(*m).c_str());
    const nlohmann::json* outs = Field(*m, "outputs");
    for (size_t i = 0; outs != nullptr && outs->is_array() && i < outs->size(); ++i) {
      std::printf("    output %s: %s\n", FieldText((*outs)[i], "name").c_str(),
                  MetricsText((*outs)[i]).c_str());
    }
  }
  const std::vector<const nlohmann::json*> layers = OrderedLayers(j);
  const auto kept = std::count_if(layers.begin(), layers.end(),
                                  [](const nlohmann::json* l) { return KeptInFp32(*l); });
  std::printf("  layers:       %zu (%zu kept in fp32)\n", layers.size(), static_cast<size_t>(kept));
  if (!layers.empty()) PrintLayerTable(layers);
}

nlohmann::json TensorJson(const model::TensorInfo& t) {
  nlohmann::json dims = nlohmann::json::array();
  for (const model::Dim& d : t.dims) {
    if (d.is_static()) {
      dims.push_back(d.value);
    } else {
      dims.push_back(d.symbol.empty() ? nlohmann::json() : nlohmann::json(d.symbol));
    }
  }
  return {{"name", t.name},
          {"dtype", DTypeName(t.dtype)},
          {"shape", t.has_shape ? dims : nlohmann::json()},
          {"shape_text", DimsToString(t)}};
}

nlohmann::json ToJson(const InspectArgs& args, const model::Model& model, const ModelFacts& f,
                      const QuantReport& report) {
  const model::Graph& g = model.graph();
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (int32_t id : g.inputs) inputs.push_back(TensorJson(g.tensors[id]));
  for (int32_t id : g.outputs) outputs.push_back(TensorJson(g.tensors[id]));
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [op, count] : f.op_counts) ops[op] = count;
  nlohmann::json properties(g.metadata.properties);
  // A readable report moves out of the properties, as an object rather than a JSON string.
  if (report.present && report.error.empty()) properties.erase(kReportProperty);
  nlohmann::json out = {{"file", args.path},
                        {"file_bytes", f.file_bytes},
                        {"file_sha256", f.file_sha256},
                        {"format_version", f.format_version},
                        {"inputs", inputs},
                        {"outputs", outputs},
                        {"node_count", g.nodes.size()},
                        {"tensor_count", g.tensors.size()},
                        {"constant_count", f.constants},
                        {"parameter_bytes", f.parameter_bytes},
                        {"quantized_tensor_count", f.quantized_tensors},
                        {"op_counts", ops},
                        {"metadata",
                         {{"producer", g.metadata.producer},
                          {"source_sha256", g.metadata.source_sha256},
                          {"precision", g.metadata.precision},
                          {"properties", properties}}}};
  if (report.present && report.error.empty()) out["quantization_report"] = report.json;
  if (!report.error.empty()) out["quantization_report_error"] = report.error;
  return out;
}

void PrintTensors(const char* title, const model::Graph& g, const std::vector<int32_t>& ids) {
  std::printf("%s:\n", title);
  for (int32_t id : ids) {
    const model::TensorInfo& t = g.tensors[id];
    std::printf("  %-24s %-4s %s\n", t.name.c_str(), DTypeName(t.dtype), DimsToString(t).c_str());
  }
}

void PrintText(const InspectArgs& args, const model::Model& model, const ModelFacts& f,
               const QuantReport& report) {
  const model::Graph& g = model.graph();
  const model::Metadata& m = g.metadata;
  std::printf("file:           %s (%s, %zu bytes)\n", args.path.c_str(),
              HumanBytes(f.file_bytes).c_str(), f.file_bytes);
  std::printf("sha256:         %s\n", f.file_sha256.c_str());
  std::printf("format version: %u\n", f.format_version);
  std::printf("producer:       %s\n", m.producer.empty() ? "-" : m.producer.c_str());
  std::printf("precision:      %s\n", m.precision.empty() ? "-" : m.precision.c_str());
  std::printf("source sha256:  %s\n", m.source_sha256.empty() ? "-" : m.source_sha256.c_str());
  for (const auto& [key, value] : m.properties) {
    if (key == kReportProperty && report.error.empty()) continue;  // shown as its own section
    std::printf("property:       %s = %s\n", key.c_str(), value.c_str());
  }
  PrintTensors("inputs", g, g.inputs);
  PrintTensors("outputs", g, g.outputs);
  std::printf("nodes:          %zu\n", g.nodes.size());
  std::printf("tensors:        %zu (%zu constants, %zu quantized)\n", g.tensors.size(), f.constants,
              f.quantized_tensors);
  std::printf("parameters:     %s (%llu bytes)\n", HumanBytes(f.parameter_bytes).c_str(),
              static_cast<unsigned long long>(f.parameter_bytes));
  std::printf("ops:\n");
  for (const auto& [op, count] : f.op_counts) std::printf("  %-24s %d\n", op.c_str(), count);
  PrintQuantReport(report);
}

int RunInspect(const InspectArgs& args) {
  Result<std::unique_ptr<model::Model>> model = model::Model::Load(args.path);
  if (!model.ok()) return ReportError("inspect", model.status());
  const ModelFacts facts = CollectFacts(**model);
  const QuantReport report = ParseQuantReport((*model)->graph().metadata);
  if (args.json) {
    std::printf("%s\n", ToJson(args, **model, facts, report).dump(2).c_str());
  } else {
    PrintText(args, **model, facts, report);
  }
  return 0;
}

}  // namespace

Command AddInspectCommand(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand(
      "inspect", "Show a .mota file's inputs, outputs, op counts, parameter bytes and metadata");
  sub->add_option("model", args->path, "The .mota file")->required();
  sub->add_flag("--json", args->json, "Print one JSON object instead of text");
  sub->footer("Example: mota inspect mobilenet_v2.mota --json");
  return {sub, [args] { return RunInspect(*args); }};
}

}  // namespace mota::cli
