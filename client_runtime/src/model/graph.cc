#include "model/graph.h"

namespace mota::model {

ConstData ConstData::Own(std::vector<uint8_t> bytes) {
  auto owner = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  return ConstData{owner->data(), owner->size(), owner};
}

bool TensorInfo::IsStaticShape() const {
  if (!has_shape) return false;
  for (const Dim& d : dims) {
    if (!d.is_static()) return false;
  }
  return true;
}

Shape TensorInfo::StaticShape() const {
  Shape s;
  s.reserve(dims.size());
  for (const Dim& d : dims) s.push_back(d.value);
  return s;
}

int32_t Graph::FindTensor(std::string_view name) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int32_t>(i);
  }
  return -1;
}

int32_t Graph::AddTensor(TensorInfo tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int32_t>(tensors.size() - 1);
}

int32_t Graph::AddConstant(std::string name, DType dtype, const Shape& shape,
                           std::vector<uint8_t> bytes) {
  TensorInfo t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.has_shape = true;
  for (int64_t d : shape) t.dims.push_back(Dim{d, {}});
  t.is_constant = true;
  t.constant = ConstData::Own(std::move(bytes));
  return AddTensor(std::move(t));
}

std::vector<int32_t> Graph::Producers() const {
  std::vector<int32_t> producer(tensors.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int32_t t : nodes[n].outputs) {
      if (t >= 0 && static_cast<size_t>(t) < tensors.size()) producer[t] = static_cast<int32_t>(n);
    }
  }
  return producer;
}

std::vector<int32_t> Graph::UseCounts() const {
  std::vector<int32_t> uses(tensors.size(), 0);
  for (const Node& node : nodes) {
    for (int32_t t : node.inputs) {
      if (t >= 0 && static_cast<size_t>(t) < tensors.size()) ++uses[t];
    }
  }
  for (int32_t t : outputs) {
    if (t >= 0 && static_cast<size_t>(t) < tensors.size()) ++uses[t];
  }
  return uses;
}

Status Graph::Validate() const {
  const int32_t count = static_cast<int32_t>(tensors.size());
  std::vector<uint8_t> available(tensors.size(), 0);
  std::vector<uint8_t> produced(tensors.size(), 0);
  for (int32_t t : inputs) {
    if (t < 0 || t >= count) return InvalidArgument("graph input refers to tensor ", t, " of ", count);
    if (tensors[t].is_constant) {
      return InvalidArgument("graph input '", tensors[t].name, "' is also a constant");
    }
    if (!tensors[t].has_shape) {
      return InvalidArgument("graph input '", tensors[t].name, "' has no shape (rank)");
    }
    available[t] = 1;
    produced[t] = 1;
  }
  for (int32_t t = 0; t < count; ++t) {
    if (tensors[t].is_constant) available[t] = 1;
  }
  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int32_t t = node.inputs[i];
      if (t == -1) continue;
      if (t < -1 || t >= count) {
        return InvalidArgument("node ", n, " ('", node.name, "', ", node.op_type, ") input ", i,
                               " refers to tensor ", t, " but the graph has ", count, " tensors");
      }
      if (!available[t]) {
        return InvalidArgument("node ", n, " ('", node.name, "', ", node.op_type, ") reads tensor '",
                               tensors[t].name,
                               "' before it is produced (nodes must be in topological order; "
                               "a cycle cannot be ordered)");
      }
    }
    if (node.outputs.empty()) {
      return InvalidArgument("node ", n, " ('", node.name, "', ", node.op_type, ") has no outputs");
    }
    for (int32_t t : node.outputs) {
      if (t < 0 || t >= count) {
        return InvalidArgument("node ", n, " ('", node.name, "') output refers to tensor ", t,
                               " but the graph has ", count, " tensors");
      }
      if (produced[t] || tensors[t].is_constant) {
        return InvalidArgument("tensor '", tensors[t].name, "' is produced twice (again by node ", n,
                               " '", node.name, "')");
      }
      produced[t] = 1;
      available[t] = 1;
    }
  }
  for (int32_t t : outputs) {
    if (t < 0 || t >= count) return InvalidArgument("graph output refers to tensor ", t, " of ", count);
    if (!available[t]) {
      return InvalidArgument("graph output '", tensors[t].name, "' is never produced");
    }
  }
  return Status::Ok();
}

}  // namespace mota::model
