// `mota client run MODEL --data DIR [--input NAME=FILE.npy ...] [--backend B] [--json]`: runs
// the active version of MODEL that `mota client update` installed in DIR, through libmota's C
// API (mota/mota.h) exactly as an app does: mota_model_open_installed, inputs by name, run,
// outputs. Inputs not given are zeros (inputs with symbolic dims must be given).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "mota/mota.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"
#include "tools/mota/tensor_summary.h"

namespace mota::cli {
namespace {

struct ClientRunArgs {
  std::string model;
  std::string data_dir;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::string backend;              // empty: the one the version passed its self-test on
  bool json = false;
};

struct ModelCloser {
  void operator()(mota_model_t* m) const { mota_model_close(m); }
};
struct TensorDestroyer {
  void operator()(mota_tensor_t* t) const { mota_tensor_destroy(t); }
};
using ModelHandle = std::unique_ptr<mota_model_t, ModelCloser>;
using TensorHandle = std::unique_ptr<mota_tensor_t, TensorDestroyer>;

// A failed C call as a Status: same code numbers (mota.h), the call's message.
Status FromC(mota_status_t status, const char* message) {
  return Status(static_cast<StatusCode>(status), message);
}

// A C tensor seen as the runtime's view, for the summary `mota run` prints too.
exec::TensorView ViewOf(const mota_tensor_t* t) {
  const int64_t* dims = mota_tensor_dims(t);
  return exec::TensorView{static_cast<DType>(mota_tensor_dtype(t)),
                          Shape(dims, dims + mota_tensor_rank(t)),
                          const_cast<void*>(mota_tensor_data(t))};
}

std::string ShapeOf(const mota_tensor_t* t) {
  const int64_t* dims = mota_tensor_dims(t);
  return ShapeToString(Shape(dims, dims + mota_tensor_rank(t)));
}

// Sets each --input NAME=FILE.npy; returns the file per input index ("" for zeros).
Result<std::vector<std::string>> SetInputs(mota_model_t* m, const ClientRunArgs& args) {
  std::vector<std::string> sources(mota_model_input_count(m));
  for (const std::string& item : args.inputs) {
    MOTA_ASSIGN_OR_RETURN(auto nv, SplitNameValue(item, "--input", "FILE.npy"));
    size_t index = 0;
    mota_status_t st = mota_model_input_index(m, nv.first.c_str(), &index);
    if (st != MOTA_OK) return FromC(st, mota_model_last_error(m)).WithContext("--input " + item);
    if (!sources[index].empty()) {
      return InvalidArgument("--input names input '", nv.first, "' more than once");
    }
    mota_tensor_t* raw = nullptr;
    st = mota_tensor_create_from_npy(nv.second.c_str(), &raw);
    if (st != MOTA_OK) return FromC(st, mota_last_error()).WithContext("--input " + item);
    TensorHandle value(raw);
    st = mota_model_set_input(m, index, value.get());
    if (st != MOTA_OK) return FromC(st, mota_model_last_error(m)).WithContext("--input " + item);
    sources[index] = nv.second;
  }
  return sources;
}

nlohmann::json Report(const ClientRunArgs& args, mota_model_t* m,
                      const std::vector<std::string>& sources) {
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (size_t i = 0; i < mota_model_input_count(m); ++i) {
    mota_tensor_t* t = nullptr;
    if (mota_model_input(m, i, &t) != MOTA_OK) continue;
    inputs.push_back({{"name", mota_tensor_name(t)},
                      {"dtype", mota_dtype_name(mota_tensor_dtype(t))},
                      {"shape", ShapeOf(t)},
                      {"source", sources[i].empty() ? "zeros" : sources[i]}});
  }
  for (size_t i = 0; i < mota_model_output_count(m); ++i) {
    const mota_tensor_t* t = nullptr;
    if (mota_model_output(m, i, &t) != MOTA_OK) continue;
    nlohmann::json o = {{"name", mota_tensor_name(t)},
                        {"dtype", mota_dtype_name(mota_tensor_dtype(t))},
                        {"shape", ShapeOf(t)}};
    o.update(SummaryToJson(Summarize(ViewOf(t))));
    o["summary"] = SummaryToText(Summarize(ViewOf(t)));
    outputs.push_back(o);
  }
  return {{"model", args.model},
          {"file", mota_model_file(m)},
          {"backend", mota_model_backend(m)},
          {"inputs", inputs},
          {"outputs", outputs}};
}

void PrintText(const nlohmann::json& r) {
  std::printf("model %s: %s on backend %s\n", r["model"].get<std::string>().c_str(),
              r["file"].get<std::string>().c_str(), r["backend"].get<std::string>().c_str());
  for (const auto& in : r["inputs"]) {
    std::printf("input  %-20s %-4s %-18s %s\n", in["name"].get<std::string>().c_str(),
                in["dtype"].get<std::string>().c_str(), in["shape"].get<std::string>().c_str(),
                in["source"].get<std::string>().c_str());
  }
  for (const auto& out : r["outputs"]) {
    std::printf("output %-20s %-4s %-18s %s\n", out["name"].get<std::string>().c_str(),
                out["dtype"].get<std::string>().c_str(), out["shape"].get<std::string>().c_str(),
                out["summary"].get<std::string>().c_str());
  }
}

Result<nlohmann::json> Execute(const ClientRunArgs& args) {
  mota_model_t* raw = nullptr;
  mota_status_t st =
      mota_model_open_installed(args.data_dir.c_str(), args.model.c_str(),
                                args.backend.empty() ? nullptr : args.backend.c_str(), &raw);
  if (st != MOTA_OK) return FromC(st, mota_last_error());
  ModelHandle m(raw);
  MOTA_ASSIGN_OR_RETURN(std::vector<std::string> sources, SetInputs(m.get(), args));
  st = mota_model_run(m.get());
  if (st != MOTA_OK) return FromC(st, mota_model_last_error(m.get()));
  return Report(args, m.get(), sources);
}

}  // namespace

std::function<int()> ClientRun(CLI::App& client, CLI::App** sub) {
  auto args = std::make_shared<ClientRunArgs>();
  CLI::App* run = client.add_subcommand(
      "run", "Run the active version of a model installed by `mota client update` (the C API)");
  run->add_option("model", args->model, "The model's name")->required();
  run->add_option("--data", args->data_dir, "The client's data directory")->required();
  run->add_option("--input,-i", args->inputs,
                  "NAME=FILE.npy: an input's value (repeatable; inputs not given are zeros)")
      ->allow_extra_args(false);
  run->add_option("--backend", args->backend,
                  "auto, reference, xnnpack or vulkan (default: the backend the active version "
                  "passed its self-test on)");
  run->add_flag("--json", args->json, "Print one JSON object instead of text");
  *sub = run;
  return [args] {
    Result<nlohmann::json> r = Execute(*args);
    if (!r.ok()) return ReportError("client run", r.status());
    if (args->json) {
      std::printf("%s\n", r->dump(2).c_str());
    } else {
      PrintText(*r);
    }
    return 0;
  };
}

}  // namespace mota::cli
