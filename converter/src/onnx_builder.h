// A small builder of ONNX models in C++, for tests and tools that need an .onnx without Python:
//
//   OnnxBuilder b(/*opset=*/13);
//   b.Input("x", DType::kF32, {1, 3});
//   b.Initializer("c", DType::kF32, {3}, std::vector<float>{1, 2, 3});
//   b.Node("Add", {"x", "c"}, {"y"});
//   SetAttrInt(b.Node("Softmax", {"y"}, {"z"}), "axis", 1);
//   b.Output("z");
//   std::string bytes = b.Serialize();
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "model/graph.h"

namespace mota::converter {

class OnnxBuilder {
 public:
  // `opset` of the default domain; ir_version 8 (ONNX 1.12's).
  explicit OnnxBuilder(int opset);

  // A graph input; dims >= 0 are fixed, -1 is an unnamed unknown dim.
  OnnxBuilder& Input(const std::string& name, DType dtype, const std::vector<int64_t>& dims);
  // A graph input with symbolic dims (model::Dim: value -1 plus a symbol name).
  OnnxBuilder& InputDims(const std::string& name, DType dtype, const std::vector<model::Dim>& dims);
  // A graph input typed by an ONNX dtype number (for dtypes mota lacks, e.g. DOUBLE = 11).
  OnnxBuilder& InputOnnxType(const std::string& name, int32_t onnx_dtype,
                             const std::vector<int64_t>& dims);
  // A graph output with no declared type (shape inference fills it).
  OnnxBuilder& Output(const std::string& name);
  OnnxBuilder& Initializer(const std::string& name, DType dtype, const Shape& shape,
                           const std::vector<float>& values);
  OnnxBuilder& InitializerI64(const std::string& name, const Shape& shape,
                              const std::vector<int64_t>& values);
  OnnxBuilder& Initializer(const onnx::TensorProto& tensor);
  // Appends a node; add attributes to the returned node. Empty `name` leaves it unnamed.
  onnx::NodeProto& Node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");
  // Adds an opset import (e.g. "ai.onnx.ml", 3).
  OnnxBuilder& Opset(const std::string& domain, int version);

  onnx::ModelProto& model() { return model_; }
  std::string Serialize() const;

 private:
  onnx::ModelProto model_;
};

void SetAttrInt(onnx::NodeProto& node, const std::string& name, int64_t value);
void SetAttrFloat(onnx::NodeProto& node, const std::string& name, float value);
void SetAttrString(onnx::NodeProto& node, const std::string& name, const std::string& value);
void SetAttrInts(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& value);
void SetAttrFloats(onnx::NodeProto& node, const std::string& name, const std::vector<float>& value);
void SetAttrTensor(onnx::NodeProto& node, const std::string& name, const onnx::TensorProto& value);

// An f32 (or, converted, any mota dtype) tensor proto stored in raw_data.
onnx::TensorProto MakeTensor(const std::string& name, DType dtype, const Shape& shape,
                             const std::vector<float>& values);

}  // namespace mota::converter
