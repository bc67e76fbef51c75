// `mota convert IN.onnx -o OUT.mota`: ONNX import + passes (converter/src/convert.h), then the
// deterministic .mota writer (converter/src/writer.h).
#include "converter/src/convert.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "converter/src/writer.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  std::vector<std::string> input_shapes;  // NAME=1,3,224,224
  bool no_optimize = false;
};

// "model.onnx" -> "model.mota" when -o is not given.
std::string DefaultOutput(const std::string& input) {
  std::filesystem::path p(input);
  return p.replace_extension(".mota").string();
}

int RunConvert(const ConvertArgs& args) {
  converter::ConvertOptions options;
  options.optimize = !args.no_optimize;
  for (const std::string& text : args.input_shapes) {
    Result<converter::InputShapeOverride> shape = converter::ParseInputShapeOverride(text);
    if (!shape.ok()) return ReportError("convert", shape.status().WithContext("--input " + text));
    options.input_shapes.push_back(*shape);
  }
  const std::string output = args.output.empty() ? DefaultOutput(args.input) : args.output;
  if (output == args.input) {
    return ReportError("convert", InvalidArgument("output '", output,
                                                  "' would overwrite the input: pass -o OUT.mota"));
  }
  Stopwatch timer;
  Result<model::Graph> graph = converter::ConvertOnnxFile(args.input, options);
  if (!graph.ok()) return ReportError("convert", graph.status());
  if (Status s = converter::WriteModel(*graph, output); !s.ok()) return ReportError("convert", s);
  const double ms = timer.ElapsedMs();

  size_t constants = 0;
  for (const model::TensorInfo& t : graph->tensors) constants += t.is_constant ? 1 : 0;
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(output, ec);
  std::printf(
      "converted %s -> %s: %zu nodes, %zu tensors (%zu constants), %s (%ju bytes), "
      "%.0f ms\n",
      args.input.c_str(), output.c_str(), graph->nodes.size(), graph->tensors.size(), constants,
      HumanBytes(ec ? 0 : bytes).c_str(), ec ? uintmax_t{0} : bytes, ms);
  return 0;
}

}  // namespace

Command AddConvertCommand(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* sub = app.add_subcommand("convert", "Convert an ONNX model to a .mota file");
  sub->add_option("model", args->input, "The .onnx file")->required();
  sub->add_option("-o,--output", args->output, "The .mota file to write (default: IN with .mota)");
  sub->add_option("--input", args->input_shapes,
                  "NAME=DIMS (e.g. input=1,3,224,224): fix an input's dynamic dims (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--no-optimize", args->no_optimize,
                "Skip the graph passes (folding, fusion): a 1:1 import, for debugging");
  sub->footer("Example: mota convert mobilenet_v2.onnx -o mobilenet_v2.mota");
  return {sub, [args] { return RunConvert(*args); }};
}

}  // namespace mota::cli
