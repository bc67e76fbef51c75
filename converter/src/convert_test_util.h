// Test helpers for the converter tests (header-only: included by *_test.cc only): convert an
// OnnxBuilder model, find nodes, read constants, and run a graph on the reference backend.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "converter/src/convert.h"
#include "converter/src/onnx_builder.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::converter::testing {

inline Result<model::Graph> Convert(const OnnxBuilder& b, bool optimize = false,
                                    std::vector<InputShapeOverride> shapes = {}) {
  const std::string bytes = b.Serialize();
  ConvertOptions options;
  options.optimize = optimize;
  options.input_shapes = std::move(shapes);
  return ConvertOnnx({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, options);
}

// The first node of `op_type`, or null.
inline const model::Node* FindNode(const model::Graph& g, const std::string& op_type) {
  for (const model::Node& n : g.nodes) {
    if (n.op_type == op_type) return &n;
  }
  return nullptr;
}

inline std::vector<std::string> OpTypes(const model::Graph& g) {
  std::vector<std::string> ops;
  for (const model::Node& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

template <typename T>
std::vector<T> ConstValues(const model::Graph& g, int32_t id) {
  EXPECT_GE(id, 0);
  if (id < 0) return {};
  const model::TensorInfo& t = g.tensors[id];
  EXPECT_TRUE(t.is_constant) << t.name;
  EXPECT_EQ(t.constant.size % sizeof(T), 0u) << t.name;
  std::vector<T> out(t.constant.size / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), t.constant.data, t.constant.size);
  return out;
}

inline exec::HostTensor F32(Shape shape, const std::vector<float>& values) {
  exec::HostTensor t = exec::HostTensor::Allocate(DType::kF32, std::move(shape));
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  if (!values.empty()) std::memcpy(t.data(), values.data(), values.size() * 4);
  return t;
}

inline std::vector<float> Floats(const exec::HostTensor& t) {
  std::vector<float> out(static_cast<size_t>(t.numel()));
  if (!out.empty()) std::memcpy(out.data(), t.data(), out.size() * 4);
  return out;
}

// Runs `graph` on the reference backend.
inline Result<std::vector<exec::HostTensor>> RunReference(
    const model::Graph& graph, const std::vector<exec::TensorView>& inputs) {
  MOTA_ASSIGN_OR_RETURN(auto backend, exec::CreateBackend("reference", {}));
  exec::Session session(graph, std::move(backend));
  return session.Run(inputs);
}

// Converts, runs one f32 input and returns output 0 as floats (empty + a test failure on error).
inline std::vector<float> ConvertAndRun(const OnnxBuilder& b, const exec::HostTensor& input,
                                        bool optimize = false) {
  auto graph = Convert(b, optimize);
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  if (!graph.ok()) return {};
  auto out = RunReference(*graph, {input.view()});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok() || out->empty()) return {};
  return Floats((*out)[0]);
}

}  // namespace mota::converter::testing
