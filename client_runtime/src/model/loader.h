// Loads a .mota file: maps it, verifies every byte it will read (header, FlatBuffers verifier,
// every offset, size, shape, dtype and index), then builds a Graph whose constants point into
// the mapping: no weight is copied. A truncated or hostile file yields a Status, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/file.h"
#include "base/status.h"
#include "model/graph.h"

namespace mota::model {

class Model {
 public:
  // Maps and verifies `path`.
  static Result<std::unique_ptr<Model>> Load(const std::string& path);
  // Verifies `bytes` in place. The bytes must outlive the Model and stay unchanged, and start
  // 64-byte aligned as a mapping does (tensor data is used in place; 8-byte vectors in the graph
  // must be aligned to be read).
  static Result<std::unique_ptr<Model>> LoadFromBuffer(std::span<const uint8_t> bytes);

  const Graph& graph() const { return graph_; }
  std::span<const uint8_t> file_bytes() const { return bytes_; }
  uint32_t format_version() const { return format_version_; }

 private:
  Model() = default;
  std::unique_ptr<MappedFile> file_;
  std::span<const uint8_t> bytes_;
  uint32_t format_version_ = 0;
  Graph graph_;
};

// Verifies a .mota image and builds its Graph (constants viewing `bytes`).
Result<Graph> ParseModel(std::span<const uint8_t> bytes, uint32_t* out_format_version);

}  // namespace mota::model
