#include "exec/reference/op_test_util.h"

#include <cstring>

#include "exec/backend.h"

namespace mota::exec::testing {
namespace {

template <typename T>
HostTensor Make(DType dtype, Shape shape, const std::vector<T>& values) {
  HostTensor t = HostTensor::Allocate(dtype, std::move(shape));
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * sizeof(T));
  return t;
}

}  // namespace

HostTensor MakeF32(Shape shape, const std::vector<float>& values) { return Make(DType::kF32, shape, values); }
HostTensor MakeI64(Shape shape, const std::vector<int64_t>& values) { return Make(DType::kI64, shape, values); }
HostTensor MakeI32(Shape shape, const std::vector<int32_t>& values) { return Make(DType::kI32, shape, values); }
HostTensor MakeU8(Shape shape, const std::vector<uint8_t>& values) { return Make(DType::kU8, shape, values); }
HostTensor MakeI8(Shape shape, const std::vector<int8_t>& values) { return Make(DType::kI8, shape, values); }
HostTensor MakeBool(Shape shape, const std::vector<bool>& values) {
  std::vector<uint8_t> bytes(values.begin(), values.end());
  return Make(DType::kBool, shape, bytes);
}

std::vector<float> ToFloats(const HostTensor& t) {
  std::vector<float> out;
  for (double v : ReadAsDouble(t.view())) out.push_back(static_cast<float>(v));
  return out;
}

std::vector<int64_t> ToInts(const HostTensor& t) { return ReadIntValues(t.view()); }

Result<std::vector<HostTensor>> RunOp(const std::string& op_type, const model::Attributes& attrs,
                                      std::vector<OpInput> inputs, int num_outputs,
                                      const std::string& backend) {
  model::Graph g;
  model::Node node;
  node.name = "node";
  node.op_type = op_type;
  node.attrs = attrs;
  std::vector<TensorView> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const HostTensor& t = inputs[i].tensor;
    if (t.dtype() == DType::kUndefined) {
      node.inputs.push_back(-1);
      continue;
    }
    model::TensorInfo info;
    info.name = "in" + std::to_string(i);
    info.dtype = t.dtype();
    info.has_shape = true;
    for (int64_t d : t.shape()) info.dims.push_back({d, {}});
    if (inputs[i].constant) {
      info.is_constant = true;
      info.constant = model::ConstData::View(t.data(), t.nbytes());
    } else {
      g.inputs.push_back(static_cast<int32_t>(g.tensors.size()));
      feeds.push_back(t.view());
    }
    node.inputs.push_back(g.AddTensor(std::move(info)));
  }
  for (int o = 0; o < num_outputs; ++o) {
    model::TensorInfo info;
    info.name = "out" + std::to_string(o);
    const int32_t id = g.AddTensor(std::move(info));
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(std::move(node));
  MOTA_RETURN_IF_ERROR(g.Validate());
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Backend> b, CreateBackend(backend, {}));
  Session session(g, std::move(b));
  return session.Run(feeds);
}

}  // namespace mota::exec::testing
