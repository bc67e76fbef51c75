// `mota run MODEL.mota`: runs a model once on given (.npy) or seeded random inputs, prints and
// optionally saves the outputs, and with --bench measures load, first-run and steady latency.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "exec/backend.h"
#include "exec/materialize.h"
#include "exec/npy.h"
#include "exec/session.h"
#include "model/loader.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"
#include "tools/mota/random_inputs.h"
#include "tools/mota/run_backend.h"
#include "tools/mota/tensor_summary.h"

namespace mota::cli {
namespace {

struct RunArgs {
  std::string path;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::vector<std::string> shapes;  // NAME=dims, for random inputs with symbolic dims
  std::string output_dir;
  std::string backend = "auto";
  int threads = 1;
  int bench = 0;
  int warmup = 5;
  uint64_t seed = 0;
  bool json = false;
  bool explain = false;  // print where each partition runs and why (run_backend.h)
};

struct RunInputs {
  std::vector<exec::HostTensor> tensors;  // graph.inputs order
  std::vector<std::string> sources;       // the .npy path, or "" for random
};

struct RunReport {
  std::unique_ptr<model::Model> model;
  RunInputs inputs;
  double load_ms = 0;
  double first_run_ms = 0;  // prepare + run, whether the session or the backend choice planned
  int prepares = 0;         // Backend::Prepare calls: the backend choice's and the session's
  LatencyStats steady;      // runs == 0 without --bench
  std::vector<exec::HostTensor> outputs;
  std::vector<std::string> output_files;            // empty without --output-dir
  std::string backend_used, backend_note, explain;  // run_backend.h
};

std::string InputNames(const model::Graph& g) {
  std::string names;
  for (int32_t id : g.inputs) names += (names.empty() ? "" : ", ") + g.tensors[id].name;
  return names;
}

// Parses repeated NAME=VALUE options and checks every NAME is a model input, given once.
Result<std::map<std::string, std::string>> ParseNamed(const std::vector<std::string>& items,
                                                      const std::string& flag,
                                                      const std::string& hint,
                                                      const model::Graph& g) {
  std::map<std::string, std::string> named;
  for (const std::string& item : items) {
    MOTA_ASSIGN_OR_RETURN(auto nv, SplitNameValue(item, flag, hint));
    bool found = false;
    for (int32_t id : g.inputs) found = found || g.tensors[id].name == nv.first;
    if (!found) {
      return NotFound(flag, " ", item, ": the model has no input named '", nv.first,
                      "' (its inputs: ", InputNames(g), ")");
    }
    if (!named.emplace(nv.first, nv.second).second) {
      return InvalidArgument(flag, " names input '", nv.first, "' more than once");
    }
  }
  return named;
}

// Whether `shape` fits the declared dims (symbolic dims take any size).
bool ShapeFits(const model::TensorInfo& info, const Shape& shape) {
  if (!info.has_shape) return true;
  if (shape.size() != info.dims.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (info.dims[i].is_static() && info.dims[i].value != shape[i]) return false;
  }
  return true;
}

Result<exec::HostTensor> LoadInputFile(const model::TensorInfo& info, const std::string& file) {
  MOTA_ASSIGN_OR_RETURN(exec::HostTensor t, exec::ReadNpy(file));
  if (t.dtype() != info.dtype) {
    return InvalidArgument("input '", info.name, "' from ", file, " has dtype ",
                           DTypeName(t.dtype()), " (npy '", exec::NpyDescr(t.dtype()),
                           "'), expected ", DTypeName(info.dtype), " (npy '",
                           exec::NpyDescr(info.dtype), "')");
  }
  if (!ShapeFits(info, t.shape())) {
    return InvalidArgument("input '", info.name, "' from ", file, " has shape ",
                           ShapeToString(t.shape()), ", expected ", DimsToString(info));
  }
  return t;
}

Result<exec::HostTensor> MakeRandomInput(const model::TensorInfo& info, const std::string* dims,
                                         uint64_t seed, int index) {
  Shape shape;
  if (dims != nullptr) {
    Result<Shape> parsed = ParseDims(*dims);
    if (!parsed.ok()) return parsed.status().WithContext("--shape " + info.name);
    shape = *parsed;
    if (!ShapeFits(info, shape)) {
      return InvalidArgument("--shape ", info.name, "=", *dims, " does not fit the input's shape ",
                             DimsToString(info));
    }
  } else if (info.IsStaticShape()) {
    shape = info.StaticShape();
  } else {
    return InvalidArgument("input '", info.name, "' has shape ", DimsToString(info),
                           " with unknown dims: pass --input ", info.name, "=FILE.npy or --shape ",
                           info.name, "=DIMS (e.g. 1,3,224,224)");
  }
  exec::HostTensor t = exec::HostTensor::Allocate(info.dtype, shape);
  if (t.dtype() == DType::kUndefined) {
    return OutOfMemory("cannot allocate input '", info.name, "' of shape ", ShapeToString(shape));
  }
  FillRandom(t, seed, index);
  return t;
}

Result<RunInputs> PrepareInputs(const model::Graph& g, const RunArgs& args) {
  MOTA_ASSIGN_OR_RETURN(auto files, ParseNamed(args.inputs, "--input", "FILE.npy", g));
  MOTA_ASSIGN_OR_RETURN(auto shapes, ParseNamed(args.shapes, "--shape", "DIMS", g));
  RunInputs in;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const model::TensorInfo& info = g.tensors[g.inputs[i]];
    const auto file = files.find(info.name);
    const auto dims = shapes.find(info.name);
    if (file != files.end() && dims != shapes.end()) {
      return InvalidArgument("input '", info.name,
                             "' has both --input and --shape: the .npy "
                             "file sets the shape, drop --shape");
    }
    if (file != files.end()) {
      MOTA_ASSIGN_OR_RETURN(exec::HostTensor t, LoadInputFile(info, file->second));
      in.tensors.push_back(std::move(t));
      in.sources.push_back(file->second);
    } else {
      MOTA_ASSIGN_OR_RETURN(exec::HostTensor t,
                            MakeRandomInput(info, dims == shapes.end() ? nullptr : &dims->second,
                                            args.seed, static_cast<int>(i)));
      in.tensors.push_back(std::move(t));
      in.sources.push_back("");
    }
  }
  return in;
}

// Steady-state latency: the prepared executable run over preallocated outputs, so the numbers
// are the kernels' time, not allocation or plan lookup.
Result<LatencyStats> Bench(exec::Session& session, std::span<const exec::TensorView> inputs,
                           const RunArgs& args) {
  std::vector<Shape> shapes;
  for (const exec::TensorView& t : inputs) shapes.push_back(t.shape);
  MOTA_ASSIGN_OR_RETURN(exec::Executable * exe, session.Prepare(shapes));
  std::vector<exec::HostTensor> outputs;
  std::vector<exec::TensorView> views;
  for (size_t i = 0; i < exe->output_shapes().size(); ++i) {
    outputs.push_back(exec::HostTensor::Allocate(exe->output_dtypes()[i], exe->output_shapes()[i]));
    views.push_back(outputs.back().view());
  }
  for (int i = 0; i < args.warmup; ++i) MOTA_RETURN_IF_ERROR(exe->Run(inputs, views));
  std::vector<double> samples;
  for (int i = 0; i < args.bench; ++i) {
    Stopwatch sw;
    MOTA_RETURN_IF_ERROR(exe->Run(inputs, views));
    samples.push_back(sw.ElapsedMs());
  }
  return ComputeLatencyStats(std::move(samples));
}

Result<std::vector<std::string>> WriteOutputs(const model::Graph& g, const RunReport& report,
                                              const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create output directory '", dir, "': ", ec.message());
  std::vector<std::string> used, files;
  for (size_t i = 0; i < report.outputs.size(); ++i) {
    const std::string file =
        (std::filesystem::path(dir) / (SafeFileName(g.tensors[g.outputs[i]].name, &used) + ".npy"))
            .string();
    MOTA_RETURN_IF_ERROR(exec::WriteNpy(file, report.outputs[i].view()));
    files.push_back(file);
  }
  return files;
}

// The session on the chosen backend, starting with the plan the choice made where it made one
// (the cost model's), so that the model is not planned twice.
Result<std::unique_ptr<exec::Session>> OpenSession(const model::Graph& g, RunBackend& chosen) {
  if (chosen.prepared.executable == nullptr) {
    return exec::Session::Create(g, std::move(chosen.backend));
  }
  return exec::Session::Create(g, std::move(chosen.backend), std::move(chosen.prepared));
}

Result<RunReport> Execute(const RunArgs& args) {
  RunReport report;
  Stopwatch load;
  MOTA_ASSIGN_OR_RETURN(report.model, model::Model::Load(args.path));
  report.load_ms = load.ElapsedMs();
  // The backend choice (cost model, --explain) must see the graph the session will plan: fp16
  // and int8-weights models read their weights through Cast / DequantizeLinear nodes that the
  // session folds at load (exec/materialize.h), so fold them once here and hand the session
  // the folded graph (it then finds nothing left to fold).
  std::unique_ptr<model::Graph> folded;
  if (exec::HasMaterializableNodes(report.model->graph())) {
    Result<std::unique_ptr<model::Graph>> m = exec::MaterializeConstantNodes(report.model->graph());
    if (!m.ok()) return m.status().WithContext("while materializing constant weights");
    folded = std::move(m).value();
  }
  const model::Graph& g = folded ? *folded : report.model->graph();
  MOTA_ASSIGN_OR_RETURN(report.inputs, PrepareInputs(g, args));
  std::vector<Shape> shapes;
  for (const exec::HostTensor& t : report.inputs.tensors) shapes.push_back(t.shape());
  MOTA_ASSIGN_OR_RETURN(RunBackend chosen,
                        ChooseRunBackend(g, shapes, args.backend, args.threads, args.explain));
  report.backend_used = chosen.used;
  report.backend_note = chosen.note;
  report.explain = chosen.explain;
  const int chosen_prepares = chosen.prepares;
  const double chosen_prepare_ms = chosen.prepared.executable ? chosen.prepare_ms : 0;
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<exec::Session> session, OpenSession(g, chosen));
  std::vector<exec::TensorView> views;
  for (const exec::HostTensor& t : report.inputs.tensors) views.push_back(t.view());
  Stopwatch first;
  MOTA_ASSIGN_OR_RETURN(report.outputs, session->Run(views));
  report.first_run_ms = chosen_prepare_ms + first.ElapsedMs();
  if (args.bench > 0) {
    MOTA_ASSIGN_OR_RETURN(report.steady, Bench(*session, views, args));
  }
  report.prepares = chosen_prepares + session->prepares();
  if (!args.output_dir.empty()) {
    MOTA_ASSIGN_OR_RETURN(report.output_files, WriteOutputs(g, report, args.output_dir));
  }
  return report;
}

nlohmann::json ShapeJson(const Shape& shape) { return nlohmann::json(shape); }

nlohmann::json ReportJson(const RunArgs& args, const RunReport& r) {
  const model::Graph& g = r.model->graph();
  const RunInputs& in = r.inputs;
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (size_t i = 0; i < in.tensors.size(); ++i) {
    inputs.push_back(
        {{"name", g.tensors[g.inputs[i]].name},
         {"dtype", DTypeName(in.tensors[i].dtype())},
         {"shape", ShapeJson(in.tensors[i].shape())},
         {"source", in.sources[i].empty() ? "random" : "file"},
         {"file", in.sources[i].empty() ? nlohmann::json() : nlohmann::json(in.sources[i])}});
  }
  for (size_t i = 0; i < r.outputs.size(); ++i) {
    nlohmann::json o = {{"name", g.tensors[g.outputs[i]].name},
                        {"dtype", DTypeName(r.outputs[i].dtype())},
                        {"shape", ShapeJson(r.outputs[i].shape())}};
    o.update(SummaryToJson(Summarize(r.outputs[i].view())));
    if (!r.output_files.empty()) o["file"] = r.output_files[i];
    outputs.push_back(o);
  }
  nlohmann::json j = {{"model", args.path},
                      {"backend", args.backend},
                      {"backend_used", r.backend_used},
                      {"backend_note", r.backend_note},
                      {"threads", args.threads},
                      {"seed", args.seed},
                      {"inputs", inputs},
                      {"outputs", outputs},
                      {"load_ms", r.load_ms},
                      {"first_run_ms", r.first_run_ms},
                      {"prepares", r.prepares},
                      {"peak_rss_bytes", PeakRssBytes()}};
  if (args.explain) j["explain"] = r.explain;
  if (r.steady.runs > 0) {
    j["bench"] = {{"runs", r.steady.runs},           {"warmup", args.warmup},
                  {"median_ms", r.steady.median_ms}, {"p90_ms", r.steady.p90_ms},
                  {"p99_ms", r.steady.p99_ms},       {"min_ms", r.steady.min_ms},
                  {"mean_ms", r.steady.mean_ms},     {"max_ms", r.steady.max_ms}};
  }
  return j;
}

void PrintText(const RunArgs& args, const RunReport& r) {
  const model::Graph& g = r.model->graph();
  const RunInputs& in = r.inputs;
  std::printf("model %s, backend %s, %d thread%s\n", args.path.c_str(), args.backend.c_str(),
              args.threads, args.threads == 1 ? "" : "s");
  if (!r.backend_note.empty()) {
    std::printf("runs on %s: %s\n", r.backend_used.c_str(), r.backend_note.c_str());
  }
  if (!r.explain.empty()) std::printf("%s", r.explain.c_str());
  for (size_t i = 0; i < in.tensors.size(); ++i) {
    const std::string source = in.sources[i].empty()
                                   ? "random (seed " + std::to_string(args.seed) + ")"
                                   : "from " + in.sources[i];
    std::printf("input  %-20s %-4s %-18s %s\n", g.tensors[g.inputs[i]].name.c_str(),
                DTypeName(in.tensors[i].dtype()), ShapeToString(in.tensors[i].shape()).c_str(),
                source.c_str());
  }
  for (size_t i = 0; i < r.outputs.size(); ++i) {
    const exec::HostTensor& t = r.outputs[i];
    std::printf("output %-20s %-4s %-18s %s\n", g.tensors[g.outputs[i]].name.c_str(),
                DTypeName(t.dtype()), ShapeToString(t.shape()).c_str(),
                SummaryToText(Summarize(t.view())).c_str());
    if (!r.output_files.empty()) std::printf("       -> %s\n", r.output_files[i].c_str());
  }
  std::printf("load %.2f ms, first run %.2f ms (prepare + run)\n", r.load_ms, r.first_run_ms);
  if (r.steady.runs > 0) {
    std::printf(
        "steady over %d runs (%d warmup): median %.3f ms, p90 %.3f ms, p99 %.3f ms, "
        "min %.3f ms\n",
        r.steady.runs, args.warmup, r.steady.median_ms, r.steady.p90_ms, r.steady.p99_ms,
        r.steady.min_ms);
    std::printf("peak RSS %s\n", HumanBytes(PeakRssBytes()).c_str());
  }
}

int RunRun(const RunArgs& args) {
  Result<RunReport> report = Execute(args);
  if (!report.ok()) return ReportError("run", report.status());
  if (args.json) {
    std::printf("%s\n", ReportJson(args, *report).dump(2).c_str());
  } else {
    PrintText(args, *report);
  }
  return 0;
}

}  // namespace

Command AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run a .mota model on .npy or seeded random inputs; print, save and time the outputs");
  sub->add_option("model", args->path, "The .mota file")->required();
  sub->add_option("--input,-i", args->inputs,
                  "NAME=FILE.npy: an input's value (repeatable; inputs not given are random)")
      ->allow_extra_args(false);
  sub->add_option("--shape", args->shapes,
                  "NAME=DIMS (e.g. x=1,3,48,192): the shape of a random input with symbolic dims")
      ->allow_extra_args(false);
  sub->add_option("--output-dir,-o", args->output_dir, "Write each output to DIR/<name>.npy");
  sub->add_option("--backend", args->backend, "Backend to run on")
      ->check(CLI::IsMember(exec::AvailableBackends()))
      ->capture_default_str();
  sub->add_option("--threads", args->threads, "Threads for the backend")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->add_option("--bench", args->bench, "Time N steady runs after --warmup runs")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--warmup", args->warmup, "Untimed runs before --bench")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Seed of the random inputs (splitmix64)")
      ->capture_default_str();
  sub->add_flag("--json", args->json, "Print one JSON object instead of text");
  sub->add_flag("--explain", args->explain,
                "Print which nodes run where and why (the Vulkan cost model's partitions and "
                "estimates with --backend auto or vulkan)");
  sub->footer(
      "Random inputs: f32/f16 uniform in [-1,1), ints in [0,10), bools 0/1, from splitmix64\n"
      "seeded with seed ^ (0x9E3779B97F4A7C15 * (input index + 1)); the same on every machine.\n"
      "Example: mota run mobilenet_v2.mota --bench 20 --output-dir out/");
  return {sub, [args] { return RunRun(*args); }};
}

}  // namespace mota::cli
