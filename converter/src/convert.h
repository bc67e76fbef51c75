// ONNX -> mota conversion: import (ONNX 1.12 via Debian's libonnx, opsets 7..17, ONNX shape
// inference) -> IR (model::Graph) -> passes (passes/passes.h) -> a graph ready for the writer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"

namespace mota::converter {

struct InputShapeOverride {
  std::string name;
  Shape shape;  // every dim >= 1: fixes dynamic dims (and must agree with fixed ones)
};

struct ConvertOptions {
  std::vector<InputShapeOverride> input_shapes;
  bool optimize = true;  // run the passes
  std::string producer;  // metadata.producer; "mota <version>" when empty
};

// Parses "NAME=1,3,224,224" (the CLI's --input).
Result<InputShapeOverride> ParseInputShapeOverride(const std::string& text);

// Converts an ONNX model. Unsupported models fail with UNIMPLEMENTED and one message listing
// every unsupported node (op type, node name, opset), not only the first.
Result<model::Graph> ConvertOnnx(std::span<const uint8_t> onnx_bytes, const ConvertOptions& options);
Result<model::Graph> ConvertOnnxFile(const std::string& path, const ConvertOptions& options);

}  // namespace mota::converter
