// The in-memory model graph, shared by the device runtime (built by the loader over an mmap'd
// .mota file, pointing into it: zero copies) and by the host toolchain (built by the converter,
// owning its constant data). Nodes are kept in topological order.
//
// Op semantics: a node's op_type names an ONNX operator and follows the ONNX definition at its
// newest form (inputs instead of attributes where ONNX moved them; see
// manifests/spec/model-format.md, "Operators"), plus mota's fused-activation attributes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "model/attributes.h"

namespace mota::model {

// One dimension: a fixed size (value >= 0) or a symbolic one (value == -1, optional name).
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool is_static() const { return value >= 0; }
  bool operator==(const Dim&) const = default;
};

// Quantization parameters: real = scale * (q - zero_point). Per-tensor when scales has one
// entry, per-channel along `axis` otherwise.
struct QuantParams {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t axis = 0;
  bool empty() const { return scales.empty(); }
};

// Constant bytes: either a view into a mapped file (owner empty) or owned by `owner`.
struct ConstData {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const std::vector<uint8_t>> owner;

  std::span<const uint8_t> bytes() const { return {data, size}; }
  static ConstData Own(std::vector<uint8_t> bytes);
  static ConstData View(const uint8_t* data, size_t size) { return ConstData{data, size, nullptr}; }
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  bool has_shape = false;  // false: rank unknown until the runtime infers it
  std::vector<Dim> dims;
  QuantParams quant;
  bool is_constant = false;
  ConstData constant;  // valid when is_constant

  // The shape when every dim is static.
  bool IsStaticShape() const;
  Shape StaticShape() const;  // -1 for symbolic dims
};

struct Node {
  std::string name;
  std::string op_type;
  Attributes attrs;
  std::vector<int32_t> inputs;   // tensor ids; -1 for an omitted optional input
  std::vector<int32_t> outputs;  // tensor ids
};

struct Metadata {
  std::string producer;
  std::string source_sha256;
  std::string precision;  // "fp32", "fp16", "int8", "int8-weights", "mixed"
  std::map<std::string, std::string> properties;
};

class Graph {
 public:
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  Metadata metadata;

  // -1 when absent. Linear scan; fine for tooling, the runtime resolves names once.
  int32_t FindTensor(std::string_view name) const;
  int32_t AddTensor(TensorInfo tensor);
  int32_t AddConstant(std::string name, DType dtype, const Shape& shape, std::vector<uint8_t> bytes);

  // For each tensor, the index of the node producing it, or -1.
  std::vector<int32_t> Producers() const;
  // For each tensor, how many node inputs (plus graph outputs) read it.
  std::vector<int32_t> UseCounts() const;
  // Checks ids, single producers and topological order; says what is wrong.
  Status Validate() const;
};

}  // namespace mota::model
