#include "converter/src/onnx_builder.h"

#include <cstring>

#include "converter/src/tensor_proto.h"

namespace mota::converter {
namespace {

onnx::AttributeProto* AddAttr(onnx::NodeProto& node, const std::string& name,
                              onnx::AttributeProto_AttributeType type) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}

// `values` converted element by element to `dtype`, as little-endian bytes.
std::vector<uint8_t> Encode(DType dtype, const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * DTypeSize(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t* p = bytes.data() + i * DTypeSize(dtype);
    const float v = values[i];
    auto put = [p](auto x) { std::memcpy(p, &x, sizeof(x)); };
    switch (dtype) {
      case DType::kF32:
        put(v);
        break;
      case DType::kF16:
        put(FloatToHalf(v));
        break;
      case DType::kI8:
        put(static_cast<int8_t>(v));
        break;
      case DType::kU8:
        put(static_cast<uint8_t>(v));
        break;
      case DType::kI32:
        put(static_cast<int32_t>(v));
        break;
      case DType::kI64:
        put(static_cast<int64_t>(v));
        break;
      case DType::kBool:
        put(static_cast<uint8_t>(v != 0.0f));
        break;
      case DType::kUndefined:
        break;
    }
  }
  return bytes;
}

}  // namespace

OnnxBuilder::OnnxBuilder(int opset) {
  model_.set_ir_version(8);
  model_.set_producer_name("mota-test");
  model_.set_producer_version("1");
  model_.mutable_graph()->set_name("test_graph");
  Opset("", opset);
}

OnnxBuilder& OnnxBuilder::Input(const std::string& name, DType dtype,
                                const std::vector<int64_t>& dims) {
  std::vector<model::Dim> md;
  for (int64_t d : dims) md.push_back(model::Dim{d, {}});
  return InputDims(name, dtype, md);
}

OnnxBuilder& OnnxBuilder::InputDims(const std::string& name, DType dtype,
                                    const std::vector<model::Dim>& dims) {
  onnx::ValueInfoProto* v = model_.mutable_graph()->add_input();
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(DTypeToOnnx(dtype));
  onnx::TensorShapeProto* shape = t->mutable_shape();
  for (const model::Dim& d : dims) {
    auto* dim = shape->add_dim();
    if (d.value >= 0) dim->set_dim_value(d.value);
    if (d.value < 0 && !d.symbol.empty()) dim->set_dim_param(d.symbol);
  }
  return *this;
}

OnnxBuilder& OnnxBuilder::InputOnnxType(const std::string& name, int32_t onnx_dtype,
                                        const std::vector<int64_t>& dims) {
  Input(name, DType::kF32, dims);
  auto* v = model_.mutable_graph()->mutable_input(model_.graph().input_size() - 1);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(onnx_dtype);
  return *this;
}

OnnxBuilder& OnnxBuilder::Output(const std::string& name) {
  model_.mutable_graph()->add_output()->set_name(name);
  return *this;
}

OnnxBuilder& OnnxBuilder::Initializer(const std::string& name, DType dtype, const Shape& shape,
                                      const std::vector<float>& values) {
  return Initializer(MakeTensor(name, dtype, shape, values));
}

OnnxBuilder& OnnxBuilder::InitializerI64(const std::string& name, const Shape& shape,
                                         const std::vector<int64_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto_DataType_INT64);
  for (int64_t d : shape) t.add_dims(d);
  for (int64_t v : values) t.add_int64_data(v);
  return Initializer(t);
}

OnnxBuilder& OnnxBuilder::Initializer(const onnx::TensorProto& tensor) {
  *model_.mutable_graph()->add_initializer() = tensor;
  return *this;
}

onnx::NodeProto& OnnxBuilder::Node(const std::string& op_type,
                                   const std::vector<std::string>& inputs,
                                   const std::vector<std::string>& outputs,
                                   const std::string& name) {
  onnx::NodeProto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op_type);
  if (!name.empty()) node->set_name(name);
  for (const std::string& in : inputs) node->add_input(in);
  for (const std::string& out : outputs) node->add_output(out);
  return *node;
}

OnnxBuilder& OnnxBuilder::Opset(const std::string& domain, int version) {
  onnx::OperatorSetIdProto* op = model_.add_opset_import();
  op->set_domain(domain);
  op->set_version(version);
  return *this;
}

std::string OnnxBuilder::Serialize() const { return model_.SerializeAsString(); }

void SetAttrInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  AddAttr(node, name, onnx::AttributeProto_AttributeType_INT)->set_i(value);
}

void SetAttrFloat(onnx::NodeProto& node, const std::string& name, float value) {
  AddAttr(node, name, onnx::AttributeProto_AttributeType_FLOAT)->set_f(value);
}

void SetAttrString(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  AddAttr(node, name, onnx::AttributeProto_AttributeType_STRING)->set_s(value);
}

void SetAttrInts(onnx::NodeProto& node, const std::string& name,
                 const std::vector<int64_t>& value) {
  auto* a = AddAttr(node, name, onnx::AttributeProto_AttributeType_INTS);
  for (int64_t v : value) a->add_ints(v);
}

void SetAttrFloats(onnx::NodeProto& node, const std::string& name,
                   const std::vector<float>& value) {
  auto* a = AddAttr(node, name, onnx::AttributeProto_AttributeType_FLOATS);
  for (float v : value) a->add_floats(v);
}

void SetAttrTensor(onnx::NodeProto& node, const std::string& name, const onnx::TensorProto& value) {
  *AddAttr(node, name, onnx::AttributeProto_AttributeType_TENSOR)->mutable_t() = value;
}

onnx::TensorProto MakeTensor(const std::string& name, DType dtype, const Shape& shape,
                             const std::vector<float>& values) {
  // raw_data holds exactly the given values, even when they do not match the shape (tests of
  // malformed tensors rely on that).
  const std::vector<uint8_t> bytes = Encode(dtype, values);
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(DTypeToOnnx(dtype));
  for (int64_t d : shape) proto.add_dims(d);
  proto.set_raw_data(bytes.data(), bytes.size());
  return proto;
}

}  // namespace mota::converter
