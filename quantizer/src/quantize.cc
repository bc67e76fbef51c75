#include "quantizer/src/quantize.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "converter/src/writer.h"
#include "quantizer/src/gemm_to_conv.h"
#include "quantizer/src/int8_rewrite.h"
#include "quantizer/src/weight_only.h"

namespace mota::quantizer {
namespace {

constexpr const char* kReportProperty = "quantization.report";

void Progress(const QuantizeOptions& o, const std::string& message) {
  if (o.progress) o.progress(message);
}

double DefaultMinCosine(const std::string& precision) {
  if (precision == "fp16") return 0.9999;
  if (precision == "int8-weights") return 0.999;
  return 0.995;
}

bool IsQuantizedOp(const std::string& op) {
  return op == "QuantizeLinear" || op == "DequantizeLinear" || op == "DynamicQuantizeLinear" ||
         op == "ConvInteger" || op == "MatMulInteger" || op.rfind("QLinear", 0) == 0;
}

// Graph outputs of every sample, as f32.
using OutputValues = std::vector<std::vector<exec::HostTensor>>;

Result<OutputValues> RunOutputs(const model::Graph& graph, const SampleSet& samples,
                                const RunConfig& run) {
  OutputValues values(samples.samples.size());
  MOTA_RETURN_IF_ERROR(ObserveTensors(
      graph, graph.outputs, samples, run, [&](size_t s, std::span<const exec::HostTensor> v) {
        for (const exec::HostTensor& t : v) {
          exec::HostTensor copy = exec::HostTensor::Allocate(t.dtype(), t.shape());
          std::copy(t.data(), t.data() + t.nbytes(), copy.data());
          values[s].push_back(std::move(copy));
        }
        return Status::Ok();
      }));
  return values;
}

// Per-output and worst-case metrics of `candidate` against the fp32 outputs.
Result<std::vector<OutputReport>> CompareOutputs(const model::Graph& candidate,
                                                 const OutputValues& reference,
                                                 const SampleSet& samples, const RunConfig& run,
                                                 ErrorMetrics* worst) {
  std::vector<ErrorAccumulator> acc(candidate.outputs.size());
  MOTA_RETURN_IF_ERROR(ObserveTensors(
      candidate, candidate.outputs, samples, run,
      [&](size_t s, std::span<const exec::HostTensor> v) {
        for (size_t o = 0; o < v.size(); ++o) {
          const exec::HostTensor& ref = reference[s][o];
          if (v[o].dtype() != DType::kF32 || ref.dtype() != DType::kF32) continue;
          if (v[o].shape() != ref.shape())
            return Internal("output ", o, " has shape ", ShapeToString(v[o].shape()),
                            " in the quantized model but ", ShapeToString(ref.shape()), " in fp32");
          acc[o].Add(ref.as<float>(), v[o].as<float>(), ref.numel());
        }
        return Status::Ok();
      }));
  std::vector<OutputReport> outputs;
  *worst = ErrorMetrics{};
  for (size_t o = 0; o < acc.size(); ++o) {
    if (acc[o].empty()) continue;
    OutputReport r{candidate.tensors[candidate.outputs[o]].name, acc[o].Get()};
    worst->cosine = std::min(worst->cosine, r.metrics.cosine);
    worst->sqnr_db = std::min(worst->sqnr_db, r.metrics.sqnr_db);
    worst->max_abs = std::max(worst->max_abs, r.metrics.max_abs);
    outputs.push_back(r);
  }
  return outputs;
}

struct Samples {
  SampleSet calibration;
  SampleSet held_out;  // --eval samples, when given
  const SampleSet& evaluation() const { return held_out.samples.empty() ? calibration : held_out; }
};

Result<Samples> LoadSamples(const model::Graph& graph, const QuantizeOptions& o, Report* report) {
  Samples s;
  if (!o.calibration_dir.empty()) {
    MOTA_ASSIGN_OR_RETURN(s.calibration, LoadSampleDir(graph, o.calibration_dir));
  } else {
    const int count = o.calibration_random > 0 ? o.calibration_random : 8;
    MOTA_ASSIGN_OR_RETURN(s.calibration, RandomSamples(graph, count, o.seed));
    if (o.precision == "int8")
      report->notes.push_back(
          "calibrated on " + std::to_string(count) +
          " random samples: random data calibrates poorly; use --calibration DIR");
  }
  if (!o.eval_dir.empty()) {
    MOTA_ASSIGN_OR_RETURN(s.held_out, LoadSampleDir(graph, o.eval_dir));
    report->evaluation_source = "dir";
  } else {
    report->evaluation_source = s.calibration.source == "dir" ? "calibration" : "random";
  }
  report->evaluation_samples = static_cast<int>(s.evaluation().samples.size());
  if (o.precision == "int8") {
    report->calibration_source = s.calibration.source;
    report->calibration_samples = static_cast<int>(s.calibration.samples.size());
    report->calibration_sha256 = s.calibration.sha256;
  }
  return s;
}

// Calibrated int8 parameters for every graph input and f32 node output, and for the
// pre-activation value of every node whose activation the int8 form splits off (int8_rewrite.h).
Result<ActivationParams> Calibrate(const model::Graph& fp32, const SampleSet& samples,
                                   const QuantizeOptions& o) {
  MOTA_ASSIGN_OR_RETURN(const model::Graph graph, SplitActivationsForCalibration(fp32));
  std::vector<int32_t> ids;
  for (int32_t in : graph.inputs)
    if (graph.tensors[in].dtype == DType::kF32) ids.push_back(in);
  for (int32_t t : FloatNodeOutputs(graph)) ids.push_back(t);
  std::vector<RangeCollector> ranges(ids.size());
  const auto observe = [&](bool histogram) {
    return ObserveTensors(graph, ids, samples, o.run,
                          [&](size_t, std::span<const exec::HostTensor> v) {
                            for (size_t i = 0; i < v.size(); ++i) {
                              if (histogram)
                                ranges[i].ObserveHistogram(v[i].as<float>(), v[i].numel());
                              else
                                ranges[i].ObserveMinMax(v[i].as<float>(), v[i].numel());
                            }
                            return Status::Ok();
                          });
  };
  Progress(o, "calibrating: ranges of " + std::to_string(ids.size()) + " tensors on " +
                  std::to_string(samples.samples.size()) + " samples");
  MOTA_RETURN_IF_ERROR(observe(false));
  if (o.method != CalibrationMethod::kMinMax) {
    Progress(o, std::string("calibrating: ") + CalibrationMethodName(o.method) + " histograms");
    MOTA_RETURN_IF_ERROR(observe(true));
  }
  // A HardSwish maps every x <= -3 to 0: its pre-activation range need not reach further down,
  // and the codes it saves resolve the rest (PP-OCR's conv outputs reach -30 and below).
  std::set<int32_t> hard_swish_inputs;
  for (const model::Node& n : graph.nodes) {
    if (n.op_type == "HardSwish" &&
        graph.tensors[n.inputs[0]].name == PreActivationName(graph.tensors[n.outputs[0]].name))
      hard_swish_inputs.insert(n.inputs[0]);
  }
  ActivationParams params;
  for (size_t i = 0; i < ids.size(); ++i) {
    Range r = ranges[i].Compute(o.method, o.percentile);
    if (hard_swish_inputs.count(ids[i]) != 0) r.lo = std::max(r.lo, -3.0f);
    params[graph.tensors[ids[i]].name] = ParamsForRange(r);
  }
  return params;
}

// Every quantizable layer's own error: its int8 form on fp32 inputs vs its fp32 output.
Result<std::map<std::string, ErrorMetrics>> MeasureLayers(
    const model::Graph& fp32, const ActivationParams& params, const SampleSet& samples,
    const QuantizeOptions& o, std::map<std::string, ChannelQuantized>* weights) {
  Int8RewriteOptions iso;
  iso.isolated = true;
  iso.weight_cache = weights;
  MOTA_ASSIGN_OR_RETURN(Int8Rewrite twin, RewriteToInt8(fp32, params, iso));
  std::vector<int32_t> ids;
  for (const QuantLayer& l : twin.layers) {
    ids.push_back(twin.graph.FindTensor(l.output));
    ids.push_back(twin.graph.FindTensor(l.probe));
  }
  std::vector<ErrorAccumulator> acc(twin.layers.size());
  Progress(o, "measuring " + std::to_string(twin.layers.size()) + " layers in isolation");
  MOTA_RETURN_IF_ERROR(ObserveTensors(
      twin.graph, ids, samples, o.run, [&](size_t, std::span<const exec::HostTensor> v) {
        for (size_t l = 0; l < acc.size(); ++l)
          acc[l].Add(v[2 * l].as<float>(), v[2 * l + 1].as<float>(), v[2 * l].numel());
        return Status::Ok();
      }));
  std::map<std::string, ErrorMetrics> metrics;
  for (size_t l = 0; l < acc.size(); ++l) metrics[twin.layers[l].node] = acc[l].Get();
  return metrics;
}

bool GatePasses(const ErrorMetrics& m, double min_cosine, double min_sqnr) {
  return m.cosine >= min_cosine && m.sqnr_db >= min_sqnr;
}

struct GateRun {
  model::Graph graph;
  std::vector<QuantLayer> layers;
  std::vector<OutputReport> outputs;
  ErrorMetrics worst;
};

Result<GateRun> TryInt8(const model::Graph& fp32, const ActivationParams& params,
                        const std::set<std::string>& keep, const OutputValues& reference,
                        const SampleSet& eval, const QuantizeOptions& o,
                        std::map<std::string, ChannelQuantized>* weights) {
  Int8RewriteOptions ro;
  ro.keep_fp32 = keep;
  ro.weight_cache = weights;
  MOTA_ASSIGN_OR_RETURN(Int8Rewrite rw, RewriteToInt8(fp32, params, ro));
  GateRun run;
  MOTA_ASSIGN_OR_RETURN(run.outputs, CompareOutputs(rw.graph, reference, eval, o.run, &run.worst));
  run.graph = std::move(rw.graph);
  run.layers = std::move(rw.layers);
  return run;
}

// The reason recorded for a layer kept in fp32.
std::string KeepReason(const std::pair<double, std::string>& layer, size_t rank, size_t total,
                       const ErrorMetrics& without) {
  return "kept in fp32: isolated SQNR " + Fixed(layer.first, 2) + " dB (rank " +
         std::to_string(rank + 1) + " of " + std::to_string(total) +
         "); with fewer layers kept the model reached cosine " + Fixed(without.cosine, 6) +
         ", SQNR " + Fixed(without.sqnr_db, 2) + " dB, short of the gate";
}

// A "quantized" model with every layer kept in fp32 is the fp32 model under another name: that
// is a gate miss, not a pass.
void FailWhenNothingQuantized(size_t quantized, size_t layers, Report* report) {
  if (quantized > 0) return;
  report->passed = false;
  if (layers == 0) {
    report->notes.push_back("no layer of this model has a " + report->precision +
                            " form (Conv, MatMul / Gemm with constant weights, Add, Mul, pooling, "
                            "Concat): nothing to quantize");
    return;
  }
  report->notes.push_back("every one of the " + std::to_string(layers) +
                          " layers had to stay fp32 to meet the gate: no " + report->precision +
                          " variant meets it");
}

// A candidate with `keep` layers in fp32, and how it compares with the fp32 model.
struct Candidate {
  model::Graph graph;
  std::vector<std::string> int8_layers;  // quantizable layers that ended up quantized
  std::vector<OutputReport> outputs;
  ErrorMetrics worst;
};
using CandidateBuilder = std::function<Result<Candidate>(const std::set<std::string>& keep)>;

// The fewest of the worst layers (`order`, worst first) to keep in fp32 for the model to pass
// the gate: doubling until it passes, then bisection (the gate is close to monotonic in the
// number kept; each probe is one evaluation). Fills the report's gate and model metrics.
Result<Candidate> SearchKeepSet(const std::vector<std::pair<double, std::string>>& order,
                                const CandidateBuilder& build, const QuantizeOptions& o,
                                Report* report, std::map<std::string, std::string>* reasons) {
  std::map<size_t, Candidate> runs;  // by the number of worst layers kept in fp32
  const auto try_keep = [&](size_t k) -> Result<bool> {
    if (!runs.count(k)) {
      std::set<std::string> keep;
      for (size_t i = 0; i < k; ++i) keep.insert(order[i].second);
      Progress(
          o, "evaluating " + o.precision + " with " + std::to_string(k) + " layer(s) kept in fp32");
      MOTA_ASSIGN_OR_RETURN(Candidate c, build(keep));
      runs.emplace(k, std::move(c));
    }
    return GatePasses(runs.at(k).worst, report->min_cosine, report->min_sqnr_db);
  };
  size_t fail = 0, pass = 0;
  MOTA_ASSIGN_OR_RETURN(bool ok, try_keep(0));
  if (!ok && !order.empty()) {
    size_t k = 1;
    for (;;) {
      k = std::min(k, order.size());
      MOTA_ASSIGN_OR_RETURN(ok, try_keep(k));
      if (ok || k == order.size()) break;
      fail = k;
      k *= 2;
    }
    pass = k;
    while (ok && pass - fail > 1) {
      const size_t mid = fail + (pass - fail) / 2;
      MOTA_ASSIGN_OR_RETURN(bool mid_ok, try_keep(mid));
      (mid_ok ? pass : fail) = mid;
    }
  }
  Candidate& chosen = runs.at(pass);
  report->passed = GatePasses(chosen.worst, report->min_cosine, report->min_sqnr_db);
  report->model = chosen.worst;
  report->outputs = chosen.outputs;
  const ErrorMetrics& without = runs.count(fail) ? runs.at(fail).worst : chosen.worst;
  for (size_t i = 0; i < pass; ++i)
    (*reasons)[order[i].second] = KeepReason(order[i], i, order.size(), without);
  return std::move(chosen);
}

// Layers worst first by SQNR; ties by name so the order is deterministic.
std::vector<std::pair<double, std::string>> WorstFirst(
    const std::map<std::string, ErrorMetrics>& metrics) {
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [name, m] : metrics) order.push_back({m.sqnr_db, name});
  std::sort(order.begin(), order.end());
  return order;
}

Result<model::Graph> QuantizeInt8(const model::Graph& original, const Samples& samples,
                                  const OutputValues& reference, const QuantizeOptions& o,
                                  Report* report) {
  // Gemm -> 1x1 Conv first (same arithmetic), so fully connected layers get an int8 form.
  model::Graph fp32 = original;
  MOTA_ASSIGN_OR_RETURN(int gemms, RewriteGemmAsConv(fp32));
  if (gemms > 0)
    report->notes.push_back(std::to_string(gemms) +
                            " Gemm layer(s) run as 1x1 QLinearConv (exact i32 bias)");
  MOTA_ASSIGN_OR_RETURN(ActivationParams params, Calibrate(fp32, samples.calibration, o));
  std::map<std::string, ChannelQuantized> weights;  // each weight quantized once for the search
  MOTA_ASSIGN_OR_RETURN(auto isolated,
                        MeasureLayers(fp32, params, samples.calibration, o, &weights));
  std::vector<QuantLayer> layers;
  const CandidateBuilder build = [&](const std::set<std::string>& keep) -> Result<Candidate> {
    MOTA_ASSIGN_OR_RETURN(
        GateRun run, TryInt8(fp32, params, keep, reference, samples.evaluation(), o, &weights));
    layers = run.layers;
    Candidate c{std::move(run.graph), {}, std::move(run.outputs), run.worst};
    for (const QuantLayer& l : run.layers)
      if (l.int8) c.int8_layers.push_back(l.node);
    return c;
  };
  std::map<std::string, std::string> reasons;
  MOTA_ASSIGN_OR_RETURN(Candidate chosen,
                        SearchKeepSet(WorstFirst(isolated), build, o, report, &reasons));
  const std::set<std::string> int8(chosen.int8_layers.begin(), chosen.int8_layers.end());
  const size_t kept = layers.size() - int8.size();
  FailWhenNothingQuantized(int8.size(), layers.size(), report);
  if (!int8.empty() && kept * 4 > layers.size())
    report->notes.push_back(
        std::to_string(kept) + " of " + std::to_string(layers.size()) +
        " layers stay fp32 to pass the gate: this variant is barely smaller than fp32 and "
        "the int8/fp32 boundaries can make it slower; fp16 or int8-weights may serve better");
  for (const QuantLayer& l : layers) {
    LayerReport lr{l.node, l.op, int8.count(l.node) ? "int8" : "fp32", {}, false, ""};
    auto it = isolated.find(l.node);
    if (it != isolated.end()) lr.metrics = it->second, lr.measured = true;
    if (!int8.count(l.node)) lr.reason = reasons[l.node];
    report->layers.push_back(lr);
  }
  return std::move(chosen.graph);
}

Result<model::Graph> QuantizeFp16(const model::Graph& fp32, const Samples& samples,
                                  const OutputValues& reference, const QuantizeOptions& o,
                                  Report* report) {
  model::Graph graph = fp32;
  MOTA_ASSIGN_OR_RETURN(WeightRewriteSummary summary, RewriteToFp16(graph));
  for (const std::string& k : summary.kept) report->notes.push_back("kept in f32: " + k);
  report->notes.push_back(std::to_string(summary.converted) + " weight tensors stored as f16");
  Progress(o, "evaluating fp16");
  MOTA_ASSIGN_OR_RETURN(report->outputs, CompareOutputs(graph, reference, samples.evaluation(),
                                                        o.run, &report->model));
  report->passed = GatePasses(report->model, report->min_cosine, report->min_sqnr_db);
  return graph;
}

// int8-weights: layers ranked by their weights' own quantization SQNR; the worst are kept f32
// until the model passes the gate.
Result<model::Graph> QuantizeInt8Weights(const model::Graph& fp32, const Samples& samples,
                                         const OutputValues& reference, const QuantizeOptions& o,
                                         Report* report) {
  const std::vector<WeightLayer> layers = QuantizeWeights(fp32);
  std::map<std::string, ErrorMetrics> weight_error;
  for (const WeightLayer& l : layers) weight_error[l.node] = l.weight_error;
  const CandidateBuilder build = [&](const std::set<std::string>& keep) -> Result<Candidate> {
    Candidate c{fp32, {}, {}, {}};
    ApplyInt8Weights(c.graph, layers, keep);
    for (const WeightLayer& l : layers)
      if (!keep.count(l.node)) c.int8_layers.push_back(l.node);
    MOTA_ASSIGN_OR_RETURN(
        c.outputs, CompareOutputs(c.graph, reference, samples.evaluation(), o.run, &c.worst));
    return c;
  };
  std::map<std::string, std::string> reasons;
  MOTA_ASSIGN_OR_RETURN(Candidate chosen,
                        SearchKeepSet(WorstFirst(weight_error), build, o, report, &reasons));
  const std::set<std::string> int8(chosen.int8_layers.begin(), chosen.int8_layers.end());
  for (const WeightLayer& l : layers) {
    LayerReport lr{l.node,         l.op, int8.count(l.node) ? "int8-weights" : "fp32",
                   l.weight_error, true, ""};
    if (!int8.count(l.node)) lr.reason = reasons[l.node];
    report->layers.push_back(lr);
  }
  report->notes.push_back(
      std::to_string(int8.size()) + " of " + std::to_string(layers.size()) +
      " layers' weights stored as per-channel i8; layer metrics compare the weights");
  FailWhenNothingQuantized(int8.size(), layers.size(), report);
  return std::move(chosen.graph);
}

// Serializes with the report embedded; the report holds the file's own size, so repeat until
// the size no longer changes (the digits settle within a few rounds).
Result<std::vector<uint8_t>> SerializeWithReport(model::Graph& graph, Report& report) {
  std::vector<uint8_t> bytes;
  for (int round = 0; round < 6; ++round) {
    graph.metadata.properties[kReportProperty] = CanonicalJson(ReportToJson(report));
    MOTA_ASSIGN_OR_RETURN(bytes, converter::SerializeModel(graph));
    if (bytes.size() == report.size_after) return bytes;
    report.size_after = bytes.size();
  }
  return Internal("the serialized size did not settle while embedding the report");
}

}  // namespace

Status CheckFp32Model(const model::Graph& graph) {
  const std::string& p = graph.metadata.precision;
  if (!p.empty() && p != "fp32")
    return InvalidArgument("the model is already quantized (metadata precision '", p,
                           "'); quantize the fp32 model it came from");
  for (const model::Node& node : graph.nodes)
    if (IsQuantizedOp(node.op_type))
      return InvalidArgument("the model is already quantized (node '", node.name, "' is ",
                             node.op_type, "); quantize the fp32 model it came from");
  for (const model::TensorInfo& t : graph.tensors)
    if (t.is_constant && (t.dtype == DType::kF16 || !t.quant.empty()))
      return InvalidArgument("the model is already quantized (constant '", t.name, "' is ",
                             DTypeName(t.dtype), "); quantize the fp32 model it came from");
  return Status::Ok();
}

Result<QuantizeResult> Quantize(const model::Graph& fp32, uint64_t fp32_bytes,
                                const QuantizeOptions& o) {
  if (o.precision != "fp16" && o.precision != "int8" && o.precision != "int8-weights")
    return InvalidArgument("unknown precision '", o.precision,
                           "'; expected int8, fp16 or int8-weights");
  if (!o.calibration_dir.empty() && o.calibration_random > 0)
    return InvalidArgument("give either --calibration DIR or --calibration-random N, not both");
  MOTA_RETURN_IF_ERROR(CheckFp32Model(fp32));
  Report report;
  report.precision = o.precision;
  if (o.precision == "int8") report.method = CalibrationMethodName(o.method);
  report.size_before = fp32_bytes;
  report.min_cosine = o.min_cosine >= 0 ? o.min_cosine : DefaultMinCosine(o.precision);
  report.min_sqnr_db = o.min_sqnr_db >= 0 ? o.min_sqnr_db : 0;
  MOTA_ASSIGN_OR_RETURN(Samples samples, LoadSamples(fp32, o, &report));
  Progress(o, "running the fp32 model on " + std::to_string(samples.evaluation().samples.size()) +
                  " evaluation samples");
  MOTA_ASSIGN_OR_RETURN(OutputValues reference, RunOutputs(fp32, samples.evaluation(), o.run));
  QuantizeResult result;
  if (o.precision == "int8") {
    MOTA_ASSIGN_OR_RETURN(result.graph, QuantizeInt8(fp32, samples, reference, o, &report));
  } else if (o.precision == "int8-weights") {
    MOTA_ASSIGN_OR_RETURN(result.graph, QuantizeInt8Weights(fp32, samples, reference, o, &report));
  } else {
    MOTA_ASSIGN_OR_RETURN(result.graph, QuantizeFp16(fp32, samples, reference, o, &report));
  }
  result.graph.metadata.precision = o.precision;
  MOTA_ASSIGN_OR_RETURN(result.bytes, SerializeWithReport(result.graph, report));
  result.report = std::move(report);
  return result;
}

}  // namespace mota::quantizer
