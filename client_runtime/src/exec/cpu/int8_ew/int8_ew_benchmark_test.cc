// Side-by-side timings of the int8 fast kernels against the reference kernels on shapes of an
// int8 mobilenet_v2 (depthwise 3x3 convs, residual adds, an SE-style mul, the pool, Q / DQ).
// Disabled: timings never gate tests. Run (one command line):
//   build-i8ew/client_runtime/mota_runtime_tests --gtest_also_run_disabled_tests
//       --gtest_filter='*Int8KernelBenchmark*'
// Reference and fast samples alternate in one process so that machine noise hits both; prints
// medians, the ratio and the [min, max] of the fast samples. 1 thread and a 2-thread pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/int8_ew/int8_table.h"
#include "exec/cpu/kernels.h"
#include "exec/op_registry.h"

namespace mota::exec::int8_ew {
namespace {

struct Bench {
  std::string label;
  std::string op;
  model::Attributes attrs;
  std::vector<HostTensor> inputs;
};

HostTensor Filled(DType dtype, Shape shape, uint32_t seed) {
  HostTensor t = HostTensor::Allocate(dtype, shape);
  uint64_t s = seed + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    if (dtype == DType::kF32) {
      t.as<float>()[i] = static_cast<float>(static_cast<int32_t>(s >> 40) % 2000) * 0.002f;
    } else {
      t.data()[i] = static_cast<uint8_t>(s >> 40);
    }
  }
  return t;
}
HostTensor Scalar(DType dtype, float v) {
  HostTensor t = HostTensor::Allocate(dtype, {});
  if (dtype == DType::kF32) *t.as<float>() = v;
  if (dtype == DType::kI8) *t.as<int8_t>() = static_cast<int8_t>(v);
  return t;
}

Bench DwConv(int64_t c, int64_t hw, int64_t stride) {
  Bench b{"dwconv3x3 c" + std::to_string(c) + " " + std::to_string(hw) + "^2 s" +
              std::to_string(stride),
          "QLinearConv",
          {},
          {}};
  b.attrs.SetInt("group", c);
  b.attrs.SetInts("strides", {stride, stride});
  b.attrs.SetInts("pads", {1, 1, 1, 1});
  b.attrs.SetString("activation", "Clip");
  b.attrs.SetFloat("activation_alpha", 0.0f);
  b.attrs.SetFloat("activation_beta", 6.0f);
  b.inputs.push_back(Filled(DType::kI8, {1, c, hw, hw}, 1));
  b.inputs.push_back(Scalar(DType::kF32, 0.02f));
  b.inputs.push_back(Scalar(DType::kI8, -5));
  b.inputs.push_back(Filled(DType::kI8, {c, 1, 3, 3}, 2));
  HostTensor ws = HostTensor::Allocate(DType::kF32, {c});
  for (int64_t i = 0; i < c; ++i) ws.as<float>()[i] = 0.003f;
  b.inputs.push_back(std::move(ws));
  b.inputs.push_back(HostTensor::Allocate(DType::kI8, {c}));
  b.inputs.push_back(Scalar(DType::kF32, 0.05f));
  b.inputs.push_back(Scalar(DType::kI8, -128));
  b.inputs.push_back(HostTensor::Allocate(DType::kI32, {c}));
  return b;
}

Bench Binary(const std::string& op, Shape a, Shape bs) {
  Bench b{op + " " + ShapeToString(a) + " " + ShapeToString(bs), op, {}, {}};
  b.inputs.push_back(Filled(DType::kI8, a, 3));
  b.inputs.push_back(Scalar(DType::kF32, 0.03f));
  b.inputs.push_back(Scalar(DType::kI8, 3));
  b.inputs.push_back(Filled(DType::kI8, bs, 4));
  b.inputs.push_back(Scalar(DType::kF32, 0.02f));
  b.inputs.push_back(Scalar(DType::kI8, -4));
  b.inputs.push_back(Scalar(DType::kF32, 0.04f));
  b.inputs.push_back(Scalar(DType::kI8, 1));
  return b;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Time(const Bench& b, ThreadPool* pool) {
  model::Node node{.name = "n", .op_type = b.op, .attrs = b.attrs, .inputs = {}, .outputs = {}};
  std::vector<TensorView> in;
  for (const HostTensor& t : b.inputs) in.push_back(t.view());
  InferContext ictx{node, in, std::vector<TensorView>(1)};
  ASSERT_TRUE(FindOp(b.op)->infer(ictx).ok()) << b.label;
  HostTensor out = HostTensor::Allocate(ictx.outputs[0].dtype, ictx.outputs[0].shape);
  std::vector<TensorView> views{out.view()};
  KernelContext ctx{node, in, views, pool};
  const ComputeFn fns[2] = {FindOp(b.op)->compute, FindFastKernel(b.op)};
  auto sample = [&](ComputeFn fn, int reps) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) EXPECT_TRUE(fn(ctx).ok());
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
               .count() /
           reps;
  };
  int reps = 1;
  while (sample(fns[1], reps) * reps < 300.0 && reps < (1 << 16)) reps *= 2;
  sample(fns[0], 1);
  std::vector<double> ref, fast;
  for (int i = 0; i < 15; ++i) {
    ref.push_back(sample(fns[0], std::max(1, reps / 8)));
    fast.push_back(sample(fns[1], reps));
  }
  std::printf("%-44s %s ref %9.1f us  fast %8.1f us [%.1f, %.1f]  x%.1f\n", b.label.c_str(),
              pool ? "2 thr" : "1 thr", Median(ref), Median(fast),
              *std::min_element(fast.begin(), fast.end()),
              *std::max_element(fast.begin(), fast.end()), Median(ref) / Median(fast));
}

TEST(Int8KernelBenchmark, DISABLED_MobilenetV2Shapes) {
  std::printf("isa %s\n", ActiveTable().isa);
  std::vector<Bench> benches;
  benches.push_back(DwConv(96, 112, 2));
  benches.push_back(DwConv(144, 56, 1));
  benches.push_back(DwConv(192, 28, 1));
  benches.push_back(DwConv(576, 14, 1));
  benches.push_back(DwConv(960, 7, 1));
  benches.push_back(Binary("QLinearAdd", {1, 24, 56, 56}, {1, 24, 56, 56}));
  benches.push_back(Binary("QLinearMul", {1, 96, 14, 14}, {1, 96, 1, 1}));
  Bench gap{"QLinearGlobalAveragePool [1,1280,7,7]", "QLinearGlobalAveragePool", {}, {}};
  gap.inputs.push_back(Filled(DType::kI8, {1, 1280, 7, 7}, 5));
  gap.inputs.push_back(Scalar(DType::kF32, 0.02f));
  gap.inputs.push_back(Scalar(DType::kI8, 2));
  gap.inputs.push_back(Scalar(DType::kF32, 0.01f));
  gap.inputs.push_back(Scalar(DType::kI8, -3));
  benches.push_back(std::move(gap));
  Bench q{"QuantizeLinear [1,3,224,224]", "QuantizeLinear", {}, {}};
  q.inputs.push_back(Filled(DType::kF32, {1, 3, 224, 224}, 6));
  q.inputs.push_back(Scalar(DType::kF32, 0.02f));
  q.inputs.push_back(Scalar(DType::kI8, 1));
  benches.push_back(std::move(q));
  Bench dq{"DequantizeLinear [1,32,112,112]", "DequantizeLinear", {}, {}};
  dq.inputs.push_back(Filled(DType::kI8, {1, 32, 112, 112}, 7));
  dq.inputs.push_back(Scalar(DType::kF32, 0.02f));
  dq.inputs.push_back(Scalar(DType::kI8, 1));
  benches.push_back(std::move(dq));
  ThreadPool pool(2);
  for (const Bench& b : benches)
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) Time(b, p);
}

}  // namespace
}  // namespace mota::exec::int8_ew
