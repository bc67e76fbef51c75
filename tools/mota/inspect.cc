// `mota inspect FILE.mota [--json]`: what a model file holds, without running it.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

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

nlohmann::json ToJson(const InspectArgs& args, const model::Model& model, const ModelFacts& f) {
  const model::Graph& g = model.graph();
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (int32_t id : g.inputs) inputs.push_back(TensorJson(g.tensors[id]));
  for (int32_t id : g.outputs) outputs.push_back(TensorJson(g.tensors[id]));
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [op, count] : f.op_counts) ops[op] = count;
  nlohmann::json properties(g.metadata.properties);
  return {{"file", args.path},
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
}

void PrintTensors(const char* title, const model::Graph& g, const std::vector<int32_t>& ids) {
  std::printf("%s:\n", title);
  for (int32_t id : ids) {
    const model::TensorInfo& t = g.tensors[id];
    std::printf("  %-24s %-4s %s\n", t.name.c_str(), DTypeName(t.dtype), DimsToString(t).c_str());
  }
}

void PrintText(const InspectArgs& args, const model::Model& model, const ModelFacts& f) {
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
}

int RunInspect(const InspectArgs& args) {
  Result<std::unique_ptr<model::Model>> model = model::Model::Load(args.path);
  if (!model.ok()) return ReportError("inspect", model.status());
  const ModelFacts facts = CollectFacts(**model);
  if (args.json) {
    std::printf("%s\n", ToJson(args, **model, facts).dump(2).c_str());
  } else {
    PrintText(args, **model, facts);
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
