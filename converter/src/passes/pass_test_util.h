// Test helpers for the pass tests (header-only: included by *_test.cc only, never by the
// library). Graphs are built by hand; ExpectSameOutputs runs a graph before and after a pass on
// the reference backend with seeded random inputs and compares the outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/plan.h"
#include "exec/session.h"
#include "model/graph.h"

namespace mota::converter::testing {

inline model::TensorInfo F32Tensor(const std::string& name, const Shape& shape) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = DType::kF32;
  t.has_shape = true;
  for (int64_t d : shape) t.dims.push_back(model::Dim{d, {}});
  return t;
}

// A graph input; a dim of -1 is symbolic ("N").
inline int32_t AddInput(model::Graph& g, const std::string& name, const Shape& shape) {
  model::TensorInfo t = F32Tensor(name, shape);
  for (model::Dim& d : t.dims) {
    if (d.value < 0) d.symbol = "N";
  }
  const int32_t id = g.AddTensor(std::move(t));
  g.inputs.push_back(id);
  return id;
}

// An intermediate f32 tensor; no shape when `shape` is empty and `rank_known` is false.
inline int32_t AddValue(model::Graph& g, const std::string& name, const Shape& shape = {},
                        bool rank_known = false) {
  model::TensorInfo t = F32Tensor(name, shape);
  t.has_shape = rank_known || !shape.empty();
  return g.AddTensor(std::move(t));
}

inline int32_t AddOutput(model::Graph& g, const std::string& name, const Shape& shape) {
  const int32_t id = AddValue(g, name, shape, true);
  g.outputs.push_back(id);
  return id;
}

inline int32_t AddConstF32(model::Graph& g, const std::string& name, const Shape& shape,
                           const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return g.AddConstant(name, DType::kF32, shape, std::move(bytes));
}

inline int32_t AddConstI64(model::Graph& g, const std::string& name, const Shape& shape,
                           const std::vector<int64_t>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(int64_t));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return g.AddConstant(name, DType::kI64, shape, std::move(bytes));
}

inline std::vector<float> RandomFloats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

inline int32_t AddRandomConst(model::Graph& g, const std::string& name, const Shape& shape,
                              uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  return AddConstF32(g, name, shape,
                     RandomFloats(static_cast<size_t>(NumElements(shape)), seed, lo, hi));
}

inline void AddNode(model::Graph& g, const std::string& name, const std::string& op,
                    std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                    model::Attributes attrs = {}) {
  g.nodes.push_back(model::Node{name, op, std::move(attrs), std::move(inputs), std::move(outputs)});
}

inline std::vector<std::string> OpTypes(const model::Graph& g) {
  std::vector<std::string> ops;
  for (const model::Node& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

inline int CountOp(const model::Graph& g, const std::string& op) {
  int count = 0;
  for (const model::Node& n : g.nodes) count += n.op_type == op ? 1 : 0;
  return count;
}

inline const model::Node* FindNodeByOp(const model::Graph& g, const std::string& op) {
  for (const model::Node& n : g.nodes) {
    if (n.op_type == op) return &n;
  }
  return nullptr;
}

// Graph inputs with every symbolic dim set to `batch`.
inline std::vector<exec::HostTensor> RandomInputs(const model::Graph& g, uint32_t seed,
                                                  int64_t batch = 2) {
  std::vector<exec::HostTensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const model::TensorInfo& info = g.tensors[g.inputs[i]];
    Shape shape;
    for (const model::Dim& d : info.dims) shape.push_back(d.is_static() ? d.value : batch);
    exec::HostTensor t = exec::HostTensor::Allocate(info.dtype, shape);
    if (info.dtype == DType::kF32) {
      std::vector<float> v =
          RandomFloats(static_cast<size_t>(t.numel()), seed + static_cast<uint32_t>(i), -3, 3);
      if (!v.empty()) std::memcpy(t.data(), v.data(), t.nbytes());
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

inline Result<std::vector<exec::HostTensor>> RunReference(
    const model::Graph& g, const std::vector<exec::HostTensor>& inputs) {
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<exec::Backend> backend,
                        exec::CreateBackend("reference", {}));
  exec::Session session(g, std::move(backend));
  std::vector<exec::TensorView> views;
  for (const exec::HostTensor& t : inputs) views.push_back(t.view());
  return session.Run(views);
}

// True when the reference backend implements every op of the graph.
inline bool CanRun(const model::Graph& g) { return exec::ResolveOps(g).ok(); }

// Graph inputs and outputs keep names, dtypes and declared shapes.
inline void ExpectSameInterface(const model::Graph& before, const model::Graph& after) {
  auto check = [&](const std::vector<int32_t>& a, const std::vector<int32_t>& b, const char* what) {
    ASSERT_EQ(a.size(), b.size()) << what;
    for (size_t i = 0; i < a.size(); ++i) {
      const model::TensorInfo& x = before.tensors[a[i]];
      const model::TensorInfo& y = after.tensors[b[i]];
      EXPECT_EQ(x.name, y.name) << what << " " << i;
      EXPECT_EQ(x.dtype, y.dtype) << what << " " << x.name;
      // A declared shape stays; an undeclared one may become known (a constant output).
      if (x.has_shape) {
        EXPECT_EQ(x.dims, y.dims) << what << " " << x.name;
      }
    }
  };
  check(before.inputs, after.inputs, "input");
  check(before.outputs, after.outputs, "output");
}

// Runs both graphs on the same seeded random inputs and compares every output (relative
// tolerance 1e-5, absolute near zero). When an op is not implemented yet, only says so.
inline void ExpectSameOutputs(const model::Graph& before, const model::Graph& after,
                              uint32_t seed = 7, int64_t batch = 2) {
  ExpectSameInterface(before, after);
  ASSERT_TRUE(after.Validate().ok()) << after.Validate().ToString();
  if (!CanRun(before) || !CanRun(after)) {
    std::cout
        << "[   NOTE   ] numeric check skipped: "
        << (CanRun(before) ? exec::ResolveOps(after) : exec::ResolveOps(before)).status().message()
        << "\n";
    return;
  }
  const std::vector<exec::HostTensor> inputs = RandomInputs(before, seed, batch);
  auto expect = RunReference(before, inputs);
  ASSERT_TRUE(expect.ok()) << "before: " << expect.status().ToString();
  auto got = RunReference(after, inputs);
  ASSERT_TRUE(got.ok()) << "after: " << got.status().ToString();
  ASSERT_EQ(expect->size(), got->size());
  for (size_t o = 0; o < got->size(); ++o) {
    const exec::HostTensor& e = (*expect)[o];
    const exec::HostTensor& a = (*got)[o];
    ASSERT_EQ(e.dtype(), a.dtype()) << "output " << o;
    ASSERT_EQ(e.shape(), a.shape()) << "output " << o;
    const std::vector<double> ev = exec::ReadAsDouble(e.view());
    const std::vector<double> av = exec::ReadAsDouble(a.view());
    int reported = 0;
    for (size_t i = 0; i < ev.size() && reported < 5; ++i) {
      const double tol = 1e-5 * std::max({1.0, std::fabs(ev[i]), std::fabs(av[i])});
      if (std::fabs(ev[i] - av[i]) > tol) {
        ADD_FAILURE() << "output " << o << " element " << i << ": before " << ev[i] << ", after "
                      << av[i];
        ++reported;
      }
    }
  }
}

}  // namespace mota::converter::testing
