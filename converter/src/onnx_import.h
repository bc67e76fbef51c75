// The ONNX side of the conversion, in the order ConvertOnnx runs it:
//   ParseOnnxModel      bytes -> ModelProto (garbage or truncated bytes fail cleanly)
//   DefaultDomainOpset  opsets 7..17 of the default domain only
//   SortNodes           topological node order (undefined inputs and cycles fail)
//   ApplyInputShapes    fixes dims of named graph inputs (the CLI's --input NAME=1,3,224,224)
//   InferOnnxShapes     ONNX shape inference (with data propagation) fills value_info
//   ImportGraph         lowers every node through its registered lowering (lowering.h)
// The ONNX library throws; every exception is caught here and returned as a Status.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "converter/src/convert.h"
#include "model/graph.h"

namespace mota::converter {

constexpr int kMinOnnxOpset = 7;
constexpr int kMaxOnnxOpset = 17;

// "" and "ai.onnx" both name the default operator domain.
inline bool IsDefaultOnnxDomain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

Result<onnx::ModelProto> ParseOnnxModel(std::span<const uint8_t> bytes);

// The opset of the default domain ("" or "ai.onnx"); UNIMPLEMENTED outside [7, 17].
Result<int> DefaultDomainOpset(const onnx::ModelProto& model);

// Fixes the dims of named graph inputs. An unknown name, a rank mismatch or a dim that conflicts
// with a fixed one is an INVALID_ARGUMENT naming the input.
Status ApplyInputShapes(onnx::ModelProto& model, const std::vector<InputShapeOverride>& overrides);

// Reorders the nodes (stably) so that every input is defined before it is read; ONNX requires
// that order, but shape inference and the importer rely on it, so a model that breaks it is fixed
// rather than rejected. An input nothing defines, or a cycle, is an INVALID_ARGUMENT.
Status SortNodes(onnx::GraphProto& graph);

// Runs ONNX shape inference in place. When it fails against the model's own annotations (stale
// value_info, output shapes an input override contradicts), it retries without them (keeping the
// declared dtypes) before giving up.
Status InferOnnxShapes(onnx::ModelProto& model);

// Builds the runtime graph: graph inputs (initializers listed as inputs are constants), used
// initializers as constants, then every node lowered in order (call SortNodes first). Unsupported
// nodes are collected and reported together (UNIMPLEMENTED).
Result<model::Graph> ImportGraph(const onnx::ModelProto& model, int opset);

}  // namespace mota::converter
