// `mota quantize IN.mota -o OUT.mota --precision int8|fp16|int8-weights ...`: a thin layer over
// quantizer/src/quantize.h. Prints progress and the report table; writes the model only when it
// passes the accuracy gate (the report is written either way, so a miss can be studied).
#include "quantizer/src/quantize.h"

#include <cstdio>
#include <memory>

#include "base/file.h"
#include "model/loader.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct QuantizeArgs {
  std::string input, output, precision, calibration, eval, method = "minmax", report, backend = "auto";
  int calibration_random = 0;
  uint64_t seed = 0;
  double min_cosine = -1, min_sqnr = -1, percentile = 99.99;
  int threads = 1;
  bool quiet = false;
};

int RunQuantize(const QuantizeArgs& args) {
  if (args.output == args.input)
    return ReportError("quantize", InvalidArgument("output '", args.output,
                                                   "' would overwrite the input: pass another -o"));
  quantizer::QuantizeOptions o;
  o.precision = args.precision;
  o.calibration_dir = args.calibration;
  o.calibration_random = args.calibration_random;
  o.seed = args.seed;
  o.eval_dir = args.eval;
  o.min_cosine = args.min_cosine;
  o.min_sqnr_db = args.min_sqnr;
  o.percentile = args.percentile;
  o.run.backend = args.backend;
  o.run.threads = args.threads;
  Result<quantizer::CalibrationMethod> method = quantizer::ParseCalibrationMethod(args.method);
  if (!method.ok()) return ReportError("quantize", method.status());
  o.method = *method;
  if (args.calibration.empty() && args.calibration_random == 0 && args.precision == "int8")
    return ReportError("quantize", InvalidArgument("int8 needs calibration data: pass --calibration DIR "
                                                   "(one subdirectory per sample) or --calibration-random N"));
  if (!args.quiet) o.progress = [](const std::string& m) { std::fprintf(stderr, "quantize: %s\n", m.c_str()); };
  Stopwatch timer;
  Result<std::unique_ptr<model::Model>> model = model::Model::Load(args.input);
  if (!model.ok()) return ReportError("quantize", model.status());
  Result<quantizer::QuantizeResult> result =
      quantizer::Quantize((*model)->graph(), (*model)->file_bytes().size(), o);
  if (!result.ok()) return ReportError("quantize", result.status());
  const quantizer::Report& report = result->report;
  std::printf("%s", quantizer::ReportToText(report).c_str());
  if (!args.report.empty()) {
    const std::string json = quantizer::ReportToJson(report).dump(2) + "\n";
    if (Status s = WriteFileAtomic(args.report, json); !s.ok()) return ReportError("quantize", s);
  }
  if (!report.passed)
    return ReportError("quantize",
                       FailedPrecondition(args.precision, " model misses the accuracy gate (see the table "
                                          "above); ", args.output, " was not written. Lower the gate with "
                                          "--min-cosine / --min-sqnr, or calibrate on more representative data"));
  if (Status s = WriteFileAtomic(args.output, result->bytes); !s.ok()) return ReportError("quantize", s);
  std::printf("wrote %s (%s), %.0f ms\n", args.output.c_str(), HumanBytes(result->bytes.size()).c_str(),
              timer.ElapsedMs());
  return 0;
}

}  // namespace

Command AddQuantizeCommand(CLI::App& app) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* sub = app.add_subcommand("quantize", "Quantize a .mota model (int8, fp16, int8-weights) with an accuracy gate");
  sub->add_option("model", args->input, "The fp32 .mota file")->required();
  sub->add_option("-o,--output", args->output, "The .mota file to write")->required();
  sub->add_option("--precision", args->precision, "int8 | fp16 | int8-weights")
      ->required()
      ->check(CLI::IsMember({"int8", "fp16", "int8-weights"}));
  sub->add_option("--calibration", args->calibration,
                  "Directory with one subdirectory per sample, each holding <input name>.npy");
  sub->add_option("--calibration-random", args->calibration_random,
                  "Calibrate on N seeded random samples instead (calibrates poorly)");
  sub->add_option("--seed", args->seed, "Seed of --calibration-random (default 0)");
  sub->add_option("--eval", args->eval,
                  "Held-out samples (same layout) for the gate and the report (default: the calibration samples)");
  sub->add_option("--method", args->method, "Calibration: minmax | percentile | entropy (default minmax)");
  sub->add_option("--percentile", args->percentile, "Percentile of --method percentile (default 99.99)");
  sub->add_option("--min-cosine", args->min_cosine,
                  "Gate: least output cosine vs fp32 (default int8 0.995, int8-weights 0.999, fp16 0.9999)");
  sub->add_option("--min-sqnr", args->min_sqnr, "Gate: least output SQNR in dB vs fp32 (default 0: none)");
  sub->add_option("--report", args->report, "Write the report as JSON to this file");
  sub->add_option("--backend", args->backend, "Backend that runs the measurements (default auto)");
  sub->add_option("--threads", args->threads, "Threads for the measurements (default 1)");
  sub->add_flag("-q,--quiet", args->quiet, "No progress messages");
  sub->footer("Example: mota quantize mobilenet_v2.mota -o mobilenet_v2.int8.mota --precision int8 "
              "--calibration calib/ --report report.json");
  return {sub, [args] { return RunQuantize(*args); }};
}

}  // namespace mota::cli
