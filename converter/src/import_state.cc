#include "converter/src/import_state.h"

namespace mota::converter {

ImportState::ImportState(const onnx::GraphProto& graph) {
  for (const onnx::ValueInfoProto& v : graph.input()) types_[v.name()] = &v.type();
  for (const onnx::ValueInfoProto& v : graph.value_info()) types_[v.name()] = &v.type();
  // Outputs last: their declared types win over value_info entries of the same name.
  for (const onnx::ValueInfoProto& v : graph.output()) types_[v.name()] = &v.type();
  for (const onnx::ValueInfoProto& v : graph.input()) taken_.insert(v.name());
  for (const onnx::TensorProto& t : graph.initializer()) {
    taken_.insert(t.name());
    initializer_types_[t.name()] = t.data_type();
  }
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& name : node.input()) {
      if (!name.empty()) ++uses_[name];
    }
    for (const std::string& name : node.output()) {
      if (!name.empty()) taken_.insert(name);
    }
  }
  for (const onnx::ValueInfoProto& v : graph.output()) ++uses_[v.name()];
}

int32_t ImportState::Lookup(const std::string& name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

int ImportState::UseCount(const std::string& name) const {
  auto it = uses_.find(name);
  return it == uses_.end() ? 0 : it->second;
}

int32_t ImportState::OnnxElemType(const std::string& name) const {
  auto init = initializer_types_.find(name);
  if (init != initializer_types_.end()) return init->second;
  auto it = types_.find(name);
  if (it == types_.end() || !it->second->has_tensor_type()) return 0;
  return it->second->tensor_type().elem_type();
}

model::TensorInfo ImportState::InfoFromType(const std::string& name) const {
  model::TensorInfo info;
  info.name = name;
  auto it = types_.find(name);
  if (it == types_.end() || !it->second->has_tensor_type()) return info;
  const onnx::TypeProto_Tensor& type = it->second->tensor_type();
  info.dtype = DTypeFromOnnx(type.elem_type());
  if (!type.has_shape()) return info;  // rank unknown
  info.has_shape = true;
  for (const onnx::TensorShapeProto_Dimension& d : type.shape().dim()) {
    model::Dim dim;
    if (d.has_dim_value() && d.dim_value() >= 0) {
      dim.value = d.dim_value();
    } else if (d.has_dim_param()) {
      dim.symbol = d.dim_param();
    }
    info.dims.push_back(std::move(dim));
  }
  return info;
}

Result<int32_t> ImportState::DefineValue(const std::string& name) {
  if (ids_.count(name) != 0) {
    return InvalidArgument("tensor '", name,
                           "' is produced twice; ONNX graphs assign each value once");
  }
  const int32_t id = graph.AddTensor(InfoFromType(name));
  ids_[name] = id;
  taken_.insert(name);
  return id;
}

Result<int32_t> ImportState::DefineConstant(const std::string& name, DecodedTensor tensor) {
  if (ids_.count(name) != 0) {
    return InvalidArgument("tensor '", name, "' is defined twice (as a constant and again)");
  }
  const int32_t id = graph.AddConstant(name, tensor.dtype, tensor.shape, std::move(tensor.bytes));
  ids_[name] = id;
  taken_.insert(name);
  return id;
}

int32_t ImportState::AddConstant(std::string_view base, DType dtype, const Shape& shape,
                                 std::vector<uint8_t> bytes) {
  return graph.AddConstant(UniqueName(base), dtype, shape, std::move(bytes));
}

int32_t ImportState::AddUnnamedValue(std::string_view base, DType dtype) {
  model::TensorInfo info;
  info.name = UniqueName(base);
  info.dtype = dtype;
  return graph.AddTensor(std::move(info));
}

std::string ImportState::UniqueName(std::string_view base) {
  std::string name(base);
  for (int k = 1; taken_.count(name) != 0; ++k) name = StrCat(base, "_", k);
  taken_.insert(name);
  return name;
}

void ImportState::MarkUnsupportedValue(const std::string& name, std::string reason) {
  unsupported_[name] = std::move(reason);
}

const std::string* ImportState::UnsupportedReason(const std::string& name) const {
  auto it = unsupported_.find(name);
  return it == unsupported_.end() ? nullptr : &it->second;
}

}  // namespace mota::converter
