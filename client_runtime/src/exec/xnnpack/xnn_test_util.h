// Test helpers for the XNNPACK backend: build small graphs, run them on a backend, and compare
// against the reference backend with explicit tolerances. Test-only (included by *_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exec/plan.h"
#include "exec/session.h"
#include "exec/xnnpack/step_plan.h"
#include "exec/xnnpack/xnnpack_backend.h"

namespace mota::exec::xnn::testing {

// Deterministic values in [-1, 1).
inline HostTensor Random(const Shape& shape, uint32_t seed) {
  HostTensor t = HostTensor::Allocate(DType::kF32, shape);
  uint32_t s = seed * 2654435761u + 12345u;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.as<float>()[i] = static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return t;
}

class GraphBuilder {
 public:
  int32_t Input(const std::string& name, const Shape& shape, uint32_t seed) {
    const int32_t t = Tensor(name, DType::kF32, shape);
    graph.inputs.push_back(t);
    feeds_.push_back(std::make_unique<HostTensor>(Random(shape, seed)));
    return t;
  }
  int32_t Const(const std::string& name, HostTensor value) {
    const int32_t t = Tensor(name, value.dtype(), value.shape());
    consts_.push_back(std::make_unique<HostTensor>(std::move(value)));
    graph.tensors[t].is_constant = true;
    graph.tensors[t].constant =
        model::ConstData::View(consts_.back()->data(), consts_.back()->nbytes());
    return t;
  }
  int32_t ConstF32(const std::string& name, const Shape& shape, uint32_t seed) {
    return Const(name, Random(shape, seed));
  }
  int32_t ConstI64(const std::string& name, const std::vector<int64_t>& values) {
    HostTensor t = HostTensor::Allocate(DType::kI64, {static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.as<int64_t>()[i] = values[i];
    return Const(name, std::move(t));
  }
  // Adds a node; returns its first output.
  int32_t Node(const std::string& op, const model::Attributes& attrs, std::vector<int32_t> inputs,
               int outputs = 1) {
    model::Node node;
    node.name = op + std::to_string(graph.nodes.size());
    node.op_type = op;
    node.attrs = attrs;
    node.inputs = std::move(inputs);
    for (int o = 0; o < outputs; ++o) {
      node.outputs.push_back(
          Tensor(node.name + "_out" + std::to_string(o), DType::kUndefined, {}, false));
    }
    graph.nodes.push_back(std::move(node));
    return graph.nodes.back().outputs[0];
  }
  void Output(int32_t t) { graph.outputs.push_back(t); }

  std::vector<TensorView> feeds() const {
    std::vector<TensorView> v;
    for (const auto& f : feeds_) v.push_back(f->view());
    return v;
  }
  std::vector<Shape> input_shapes() const {
    std::vector<Shape> s;
    for (const auto& f : feeds_) s.push_back(f->shape());
    return s;
  }

  // `backend` "xnnpack" runs CreateXnnBackend with `auto_options`.
  Result<std::vector<HostTensor>> Run(const std::string& backend, int threads = 1,
                                      const AutoOptions& auto_options = {}) const {
    MOTA_RETURN_IF_ERROR(graph.Validate());
    BackendOptions options;
    options.threads = threads;
    std::unique_ptr<Backend> b;
    if (backend == "xnnpack") {
      b = CreateXnnBackend(options, auto_options);
    } else {
      MOTA_ASSIGN_OR_RETURN(b, CreateBackend(backend, options));
    }
    Session session(graph, std::move(b));
    return session.Run(feeds());
  }

  // The auto backend's step plan for this graph (which executor took which node).
  Result<StepPlan> Steps(ExecutionPlan* plan, const StepPlanOptions& options = {}) const {
    MOTA_ASSIGN_OR_RETURN(*plan, PlanExecution(graph, input_shapes()));
    return BuildStepPlan(graph, *plan, options);
  }

  model::Graph graph;

 private:
  int32_t Tensor(const std::string& name, DType dtype, const Shape& shape, bool has_shape = true) {
    model::TensorInfo info;
    info.name = name;
    info.dtype = dtype;
    info.has_shape = has_shape;
    for (int64_t d : shape) info.dims.push_back({d, {}});
    return graph.AddTensor(std::move(info));
  }

  std::vector<std::unique_ptr<HostTensor>> feeds_;
  std::vector<std::unique_ptr<HostTensor>> consts_;
};

struct Tolerance {
  float rtol;
  float atol;
};

// Runs `b` on the reference backend and on the xnnpack backend (1 and 2 threads; with and
// without mota's NHWC kernels, so XNNPACK's own path is always covered) and compares every output.
inline void ExpectMatchesReference(const GraphBuilder& b, Tolerance tol) {
  Result<std::vector<HostTensor>> want = b.Run("reference");
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  for (int variant = 0; variant < 4; ++variant) {
    const int threads = 1 + variant % 2;
    AutoOptions options;
    options.nhwc_kernels = variant < 2;
    SCOPED_TRACE(options.nhwc_kernels ? "with NHWC kernels" : "XNNPACK only");
    Result<std::vector<HostTensor>> got = b.Run("xnnpack", threads, options);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want->size());
    for (size_t o = 0; o < want->size(); ++o) {
      const HostTensor& w = (*want)[o];
      const HostTensor& g = (*got)[o];
      ASSERT_EQ(g.shape(), w.shape()) << "output " << o;
      ASSERT_EQ(g.dtype(), w.dtype());
      if (w.dtype() != DType::kF32) continue;
      int bad = 0;
      for (int64_t i = 0; i < w.numel(); ++i) {
        const float x = g.as<float>()[i], y = w.as<float>()[i];
        const bool ok = std::fabs(x - y) <= tol.atol + tol.rtol * std::fabs(y) ||
                        (std::isnan(x) && std::isnan(y));
        if (!ok && bad++ < 5) {
          ADD_FAILURE() << "output " << o << " element " << i << ": xnnpack " << x
                        << " vs reference " << y << " (threads " << threads << ")";
        }
      }
      EXPECT_EQ(bad, 0) << "mismatches in output " << o << " of " << w.numel();
    }
  }
}

inline model::Attributes Attrs() { return {}; }

}  // namespace mota::exec::xnn::testing
