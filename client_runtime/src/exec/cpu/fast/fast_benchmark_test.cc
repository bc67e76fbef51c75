// Side-by-side timings of the fast kernels against the reference kernels on the shapes of
// /work/shared/models/transformer_block_t128_d256.onnx (1x128x256, 4 heads, FFN 1024). Disabled:
// timings never gate tests. Run:
//   build/client_runtime/mota_runtime_tests --gtest_also_run_disabled_tests
//       --gtest_filter='*FastKernelBenchmark*'      (one command line)
// Each sample times a batch of calls (>= ~0.3 ms); reference and fast samples alternate in the
// same process so that machine noise hits both; medians and the [min, max] of the fast samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "exec/cpu/fast/fast_table.h"
#include "exec/cpu/fast/fast_test_util.h"

namespace mota::exec::fast {
namespace {

using testing::I64Tensor;
using testing::Inputs;
using testing::RandomTensor;

struct Bench {
  std::string label;
  std::string op;
  model::Attributes attrs;
  std::vector<HostTensor> inputs;
  int num_outputs = 1;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median microseconds per call of reference and fast, and the fast samples' spread.
void Time(const Bench& b, ThreadPool* pool) {
  model::Node node{.name = "n", .op_type = b.op, .attrs = b.attrs, .inputs = {}, .outputs = {}};
  std::vector<TensorView> in;
  for (const HostTensor& t : b.inputs) in.push_back(t.view());
  InferContext ictx{node, in, std::vector<TensorView>(b.num_outputs)};
  ASSERT_TRUE(FindOp(b.op)->infer(ictx).ok()) << b.label;
  std::vector<HostTensor> outs;
  std::vector<TensorView> views;
  for (const TensorView& o : ictx.outputs) {
    outs.push_back(HostTensor::Allocate(o.dtype, o.shape));
    views.push_back(outs.back().view());
  }
  KernelContext ctx{node, in, views, pool};
  const ComputeFn fns[2] = {FindOp(b.op)->compute, FindFastKernel(b.op)};
  auto sample = [&](ComputeFn fn, int reps) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) EXPECT_TRUE(fn(ctx).ok());
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(t1 - t0).count() / reps;
  };
  // Calibrate the batch size on the fast kernel, warm both.
  const double once = std::max(0.5, sample(fns[1], 3));
  const int reps = std::max(1, static_cast<int>(300.0 / once));
  sample(fns[0], 1);
  std::vector<double> times[2];
  for (int round = 0; round < 21; ++round) {
    for (int k = 0; k < 2; ++k) times[k].push_back(sample(fns[round % 2 == 0 ? k : 1 - k], reps));
  }
  // Rounds alternate the order; un-swap.
  std::vector<double> ref, fast;
  for (int round = 0; round < 21; ++round) {
    const bool swapped = round % 2 != 0;
    ref.push_back(times[swapped ? 1 : 0][round]);
    fast.push_back(times[swapped ? 0 : 1][round]);
  }
  const double r = Median(ref), f = Median(fast);
  std::printf("%-44s %2d thr  ref %9.1f us  fast %9.1f us [%.1f, %.1f]  x%.2f\n", b.label.c_str(),
              pool == nullptr ? 1 : pool->threads(), r, f,
              *std::min_element(fast.begin(), fast.end()),
              *std::max_element(fast.begin(), fast.end()), r / f);
}

std::vector<Bench> TransformerBenches() {
  std::vector<Bench> v;
  auto add = [&](std::string label, std::string op, model::Attributes attrs,
                 std::vector<HostTensor> inputs) {
    v.push_back({std::move(label), std::move(op), std::move(attrs), std::move(inputs)});
  };
  add("MatMul qkv 128x256 * 256x768", "MatMul", {},
      Inputs(RandomTensor({1, 128, 256}, 1), RandomTensor({256, 768}, 2)));
  add("MatMul proj 128x256 * 256x256", "MatMul", {},
      Inputs(RandomTensor({1, 128, 256}, 1), RandomTensor({256, 256}, 2)));
  add("MatMul ffn1 128x256 * 256x1024", "MatMul", {},
      Inputs(RandomTensor({1, 128, 256}, 1), RandomTensor({256, 1024}, 2)));
  add("MatMul ffn2 128x1024 * 1024x256", "MatMul", {},
      Inputs(RandomTensor({1, 128, 1024}, 1), RandomTensor({1024, 256}, 2)));
  add("MatMul QK^T 4x[128x64 * 64x128]", "MatMul", {},
      Inputs(RandomTensor({1, 4, 128, 64}, 1), RandomTensor({1, 4, 64, 128}, 2)));
  add("MatMul PV 4x[128x128 * 128x64]", "MatMul", {},
      Inputs(RandomTensor({1, 4, 128, 128}, 1), RandomTensor({1, 4, 128, 64}, 2)));
  model::Attributes gemm;
  gemm.SetInt("transB", 1);
  add("Gemm 128x256 * (256x256)^T + bias", "Gemm", gemm,
      Inputs(RandomTensor({128, 256}, 1), RandomTensor({256, 256}, 2), RandomTensor({256}, 3)));
  add("Softmax 4x128x128", "Softmax", {}, Inputs(RandomTensor({1, 4, 128, 128}, 4, -8, 8)));
  model::Attributes ln;
  ln.SetInt("axis", -1);
  add("LayerNormalization 128x256", "LayerNormalization", ln,
      Inputs(RandomTensor({1, 128, 256}, 5), RandomTensor({256}, 6), RandomTensor({256}, 7)));
  add("Erf 128x1024", "Erf", {}, Inputs(RandomTensor({1, 128, 1024}, 8, -3, 3)));
  add("Sigmoid 128x1024", "Sigmoid", {}, Inputs(RandomTensor({1, 128, 1024}, 8, -3, 3)));
  add("Tanh 128x1024", "Tanh", {}, Inputs(RandomTensor({1, 128, 1024}, 8, -3, 3)));
  add("Add 128x1024 + bias[1024]", "Add", {},
      Inputs(RandomTensor({1, 128, 1024}, 9), RandomTensor({1024}, 10)));
  add("Mul 128x1024 * scalar", "Mul", {},
      Inputs(RandomTensor({1, 128, 1024}, 9), RandomTensor({}, 10)));
  add("Add 128x256 + 128x256 (residual)", "Add", {},
      Inputs(RandomTensor({1, 128, 256}, 9), RandomTensor({1, 128, 256}, 10)));
  add("Sub 128x256 - mean[128x1]", "Sub", {},
      Inputs(RandomTensor({1, 128, 256}, 9), RandomTensor({1, 128, 1}, 10)));
  add("Div 128x256 / std[128x1]", "Div", {},
      Inputs(RandomTensor({1, 128, 256}, 9), RandomTensor({1, 128, 1}, 10, 0.5f, 2.0f)));
  add("Pow 128x256 ^ 2", "Pow", {},
      Inputs(RandomTensor({1, 128, 256}, 9), RandomTensor({}, 0, 2, 2)));
  add("ReduceMean 128x256 axis -1", "ReduceMean", {},
      Inputs(RandomTensor({1, 128, 256}, 11), I64Tensor({1}, {-1})));
  model::Attributes heads, kt, swap;
  heads.SetInts("perm", {0, 2, 1, 3});
  kt.SetInts("perm", {0, 2, 3, 1});
  swap.SetInts("perm", {0, 1, 3, 2});
  add("Transpose 1x128x4x64 perm 0,2,1,3", "Transpose", heads,
      Inputs(RandomTensor({1, 128, 4, 64}, 12)));
  add("Transpose 1x128x4x64 perm 0,2,3,1", "Transpose", kt,
      Inputs(RandomTensor({1, 128, 4, 64}, 12)));
  add("Transpose 1x4x128x64 perm 0,1,3,2", "Transpose", swap,
      Inputs(RandomTensor({1, 4, 128, 64}, 12)));
  return v;
}

TEST(FastKernelBenchmark, DISABLED_TransformerShapes) {
  std::printf("fast table: %s\n", FastTable().isa);
  const std::vector<Bench> benches = TransformerBenches();
  for (const Bench& b : benches) Time(b, nullptr);
  ThreadPool pool(2);
  for (const Bench& b : benches) {
    if (b.op == "MatMul" || b.op == "Gemm") Time(b, &pool);
  }
}

}  // namespace
}  // namespace mota::exec::fast
