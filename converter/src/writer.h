// Serializes a Graph to the .mota format (manifests/spec/model-format.md). Deterministic: the
// same graph gives byte-identical output. Identical constant payloads are stored once, and so are
// identical strings, shapes, attributes, quantization parameters and index lists in the graph
// section (shared FlatBuffers offsets, which every v1 reader reads as separate equal values).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"

namespace mota::converter {

Result<std::vector<uint8_t>> SerializeModel(const model::Graph& graph);
// Serializes and writes atomically.
Status WriteModel(const model::Graph& graph, const std::string& path);

}  // namespace mota::converter
