// The state of one ONNX graph import: the model::Graph under construction and what the importer
// knows about every ONNX value name (its tensor id once defined, its type from ONNX shape
// inference, how many readers it has).
//
// Lookups use hash maps, but nothing iterates them: tensor ids follow the order in which the
// importer defines values (graph inputs, used initializers, node outputs in node order), so the
// same ONNX bytes always give the same graph.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "converter/src/tensor_proto.h"
#include "model/graph.h"

namespace mota::converter {

class ImportState {
 public:
  // Collects value types (graph inputs, outputs, value_info; call after shape inference), reader
  // counts and every name the ONNX graph uses (so generated names never collide with them).
  explicit ImportState(const onnx::GraphProto& graph);

  model::Graph graph;

  // The tensor id of ONNX value `name`, or -1 when it is not defined (yet).
  int32_t Lookup(const std::string& name) const;
  // Node inputs plus graph outputs that read `name`.
  int UseCount(const std::string& name) const;
  // The ONNX elem_type of `name`: an initializer's data_type, else what shape inference gave it
  // (0 when unknown).
  int32_t OnnxElemType(const std::string& name) const;

  // Defines ONNX value `name` as a non-constant tensor typed by shape inference. Fails when the
  // name is already defined (ONNX graphs are single-assignment).
  Result<int32_t> DefineValue(const std::string& name);
  // Defines ONNX value `name` as a constant.
  Result<int32_t> DefineConstant(const std::string& name, DecodedTensor tensor);
  // A constant the converter made up (attributes turned into inputs); named after `base`,
  // made unique.
  int32_t AddConstant(std::string_view base, DType dtype, const Shape& shape,
                      std::vector<uint8_t> bytes);
  // A tensor ONNX left unnamed but the runtime still writes (an omitted middle output).
  int32_t AddUnnamedValue(std::string_view base, DType dtype);
  // `base` when no tensor uses that name yet, else `base_1`, `base_2`, ...
  std::string UniqueName(std::string_view base);

  // Values mota cannot hold as constants (an initializer of dtype DOUBLE, ...): nodes that read
  // them are reported unsupported with `reason`.
  void MarkUnsupportedValue(const std::string& name, std::string reason);
  // The reason, or null when the value is fine.
  const std::string* UnsupportedReason(const std::string& name) const;

 private:
  model::TensorInfo InfoFromType(const std::string& name) const;

  std::unordered_map<std::string, int32_t> ids_;
  std::unordered_map<std::string, const onnx::TypeProto*> types_;
  std::unordered_map<std::string, int32_t> initializer_types_;
  std::unordered_map<std::string, int> uses_;
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, std::string> unsupported_;
};

}  // namespace mota::converter
