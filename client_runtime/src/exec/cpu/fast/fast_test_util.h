// Test helpers for the fast kernels: run one node through the reference kernel and through the
// fast kernel on the same inputs (shapes from the op's InferFn), and compare with an explicit
// tolerance. Used by fast/*_test.cc only.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/kernels.h"
#include "exec/op_registry.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec::fast::testing {

// Uniform in [lo, hi), deterministic per seed.
inline std::vector<float> RandomFloats(int64_t n, uint32_t seed, float lo = -1.0f,
                                       float hi = 1.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = lo + (hi - lo) * static_cast<float>((s >> 40) & 0xFFFFFF) / 16777216.0f;
  }
  return v;
}

inline HostTensor RandomTensor(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  HostTensor t = HostTensor::Allocate(DType::kF32, shape);
  const std::vector<float> v = RandomFloats(t.numel(), seed, lo, hi);
  std::copy(v.begin(), v.end(), t.as<float>());
  return t;
}

inline HostTensor I64Tensor(Shape shape, const std::vector<int64_t>& values) {
  HostTensor t = HostTensor::Allocate(DType::kI64, shape);
  std::copy(values.begin(), values.end(), t.as<int64_t>());
  return t;
}

// A vector of move-only tensors: Inputs(RandomTensor(...), I64Tensor(...)).
template <typename... T>
std::vector<HostTensor> Inputs(T&&... tensors) {
  std::vector<HostTensor> v;
  (v.push_back(std::move(tensors)), ...);
  return v;
}

struct Outputs {
  std::vector<HostTensor> reference;
  std::vector<HostTensor> fast;
};

// Infers the outputs, then runs the reference compute and the registered fast kernel on the
// same inputs (the fast one with `pool`). Failures are gtest failures.
inline Outputs RunBoth(const std::string& op, const model::Attributes& attrs,
                       const std::vector<HostTensor>& inputs, int num_outputs = 1,
                       ThreadPool* pool = nullptr) {
  Outputs out;
  const OpDef* def = FindOp(op);
  const ComputeFn fast = FindFastKernel(op);
  EXPECT_NE(def, nullptr) << op;
  EXPECT_NE(fast, nullptr) << "no fast kernel for " << op;
  if (def == nullptr || fast == nullptr) return out;
  model::Node node{.name = "n", .op_type = op, .attrs = attrs, .inputs = {}, .outputs = {}};
  std::vector<TensorView> in;
  for (const HostTensor& t : inputs) in.push_back(t.view());
  InferContext ictx{node, in, std::vector<TensorView>(num_outputs)};
  const Status inferred = def->infer(ictx);
  EXPECT_TRUE(inferred.ok()) << inferred.message();
  if (!inferred.ok()) return out;
  auto run = [&](ComputeFn fn, ThreadPool* p, std::vector<HostTensor>& results) {
    std::vector<TensorView> views;
    for (const TensorView& o : ictx.outputs) {
      results.push_back(HostTensor::Allocate(o.dtype, o.shape));
      views.push_back(results.back().view());
    }
    KernelContext kctx{node, in, views, p};
    const Status s = fn(kctx);
    EXPECT_TRUE(s.ok()) << s.message();
  };
  run(def->compute, nullptr, out.reference);
  run(fast, pool, out.fast);
  return out;
}

// |got - want| <= atol + rtol * |want| element by element (NaN matches NaN, inf matches inf).
inline void ExpectClose(const HostTensor& got, const HostTensor& want, double rtol, double atol,
                        const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  if (got.dtype() != DType::kF32) {
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.nbytes())) << what;
    return;
  }
  const float* g = got.as<float>();
  const float* w = want.as<float>();
  for (int64_t i = 0; i < got.numel(); ++i) {
    if (std::isnan(w[i]) || std::isinf(w[i])) {
      ASSERT_TRUE(std::isnan(w[i]) ? std::isnan(g[i]) : g[i] == w[i])
          << what << " at " << i << ": got " << g[i] << ", want " << w[i];
      continue;
    }
    const double err = std::fabs(static_cast<double>(g[i]) - w[i]);
    ASSERT_LE(err, atol + rtol * std::fabs(w[i]))
        << what << " at " << i << ": got " << g[i] << ", want " << w[i];
  }
}

inline void ExpectAllClose(const Outputs& o, double rtol, double atol, const std::string& what) {
  ASSERT_EQ(o.fast.size(), o.reference.size()) << what;
  for (size_t i = 0; i < o.fast.size(); ++i) {
    ExpectClose(o.fast[i], o.reference[i], rtol, atol, what + " output " + std::to_string(i));
  }
}

}  // namespace mota::exec::fast::testing
