// Side-by-side microbenchmark, 1 thread: mota's fc_row NHWC kernel vs XNNPACK's fully
// connected (one-node subgraph) vs the reference Gemm vs our portable path, interleaved in one
// process. Not part of any library or test (the *_benchmark.cc glob exclusion). Build and run from
// the repo root after building mota_cpu_kernels and mota_reference_ops in build-dw:
//
//   B=build-dw/client_runtime; g++ -O3 -std=c++20 -Iclient_runtime/src -Iclient_runtime/include \
//     client_runtime/src/exec/cpu/fc/fc_benchmark.cc -o /tmp/fc_benchmark \
//     -Wl,--whole-archive $B/libmota_reference_ops.a $B/libmota_cpu_kernels.a \
//     -Wl,--no-whole-archive $B/libmota_exec.a $B/libmota_model.a $B/libmota_base.a \
//     -lflatbuffers -lcrypto -lXNNPACK -lpthreadpool -lcpuinfo -lpthread && /tmp/fc_benchmark
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "exec/cpu/cpu_features.h"
#include "exec/cpu/fc/fc.h"
#include "exec/op_registry.h"

namespace mota::exec::fc {
namespace {

// Median over `rounds` of the median time (ms) of `reps` calls, per contender, interleaved.
struct Stats {
  double median, lo, hi;
};

std::vector<Stats> Interleaved(const std::vector<std::function<void()>>& fns, int rounds,
                               int reps) {
  std::vector<std::vector<double>> round_medians(fns.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t f = 0; f < fns.size(); ++f) {
      std::vector<double> t(reps);
      for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        fns[f]();
        t[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                   .count();
      }
      std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
      round_medians[f].push_back(t[reps / 2]);
    }
  }
  std::vector<Stats> out;
  for (auto& m : round_medians) {
    std::sort(m.begin(), m.end());
    out.push_back({m[m.size() / 2], m.front(), m.back()});
  }
  return out;
}

struct Xnn {
  xnn_runtime_t runtime = nullptr;
  ~Xnn() {
    if (runtime != nullptr) xnn_delete_runtime(runtime);
  }
};

// A one-node XNNPACK fully connected: filter [N, K], bias [N].
bool MakeXnn(int64_t k, int64_t n, const std::vector<float>& w_nk, const std::vector<float>& bias,
             float* x, float* y, Xnn* xnn) {
  xnn_subgraph_t g = nullptr;
  if (xnn_create_subgraph(2, 0, &g) != xnn_status_success) return false;
  const size_t in_dims[] = {1, size_t(k)}, out_dims[] = {1, size_t(n)};
  const size_t w_dims[] = {size_t(n), size_t(k)}, b_dims[] = {size_t(n)};
  uint32_t in_id, out_id, w_id, b_id;
  bool ok =
      xnn_define_tensor_value(g, xnn_datatype_fp32, 2, in_dims, nullptr, 0,
                              XNN_VALUE_FLAG_EXTERNAL_INPUT, &in_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 2, out_dims, nullptr, 1,
                              XNN_VALUE_FLAG_EXTERNAL_OUTPUT, &out_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 2, w_dims, w_nk.data(), XNN_INVALID_VALUE_ID, 0,
                              &w_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 1, b_dims, bias.data(), XNN_INVALID_VALUE_ID, 0,
                              &b_id) == xnn_status_success;
  ok = ok && xnn_define_fully_connected(g, -INFINITY, INFINITY, in_id, w_id, b_id, out_id, 0) ==
                 xnn_status_success;
  ok = ok && xnn_create_runtime_v2(g, nullptr, 0, &xnn->runtime) == xnn_status_success;
  xnn_delete_subgraph(g);
  const xnn_external_value ext[] = {{in_id, x}, {out_id, y}};
  return ok && xnn_setup_runtime(xnn->runtime, 2, ext) == xnn_status_success;
}

void Bench(int64_t k, int64_t n) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  auto fill = [&](size_t count) {
    std::vector<float> v(count);
    for (float& f : v) f = d(rng);
    return v;
  };
  const std::vector<float> w = fill(k * n), bias = fill(n), xv = fill(k);
  HostTensor x = HostTensor::Allocate(DType::kF32, {1, k});
  std::copy(xv.begin(), xv.end(), x.as<float>());
  HostTensor y_ours = HostTensor::Allocate(DType::kF32, {1, n});
  HostTensor y_xnn = HostTensor::Allocate(DType::kF32, {1, n});
  HostTensor y_ref = HostTensor::Allocate(DType::kF32, {1, n});
  model::Node node;
  node.name = "fc";
  node.op_type = "Gemm";
  node.attrs.SetInt("transB", 1);
  const TensorView wt{DType::kF32, {n, k}, const_cast<float*>(w.data())};
  const TensorView bt{DType::kF32, {n}, const_cast<float*>(bias.data())};
  const std::vector<TensorView> logical = {{DType::kF32, {1, k}, nullptr}, wt, bt};
  auto kernel = CreateFcKernel(node, logical, {DType::kF32, {1, n}, nullptr}, nullptr);
  auto portable = CreateFcKernel(node, logical, {DType::kF32, {1, n}, nullptr}, FcPanelsPortable);
  Xnn xnn;
  if (!kernel.ok() || *kernel == nullptr || !portable.ok() || *portable == nullptr ||
      !MakeXnn(k, n, w, bias, x.as<float>(), y_xnn.as<float>(), &xnn)) {
    std::printf("setup failed for %ld -> %ld\n", long(k), long(n));
    return;
  }
  const TensorView in = x.view();
  const TensorView ref_in[] = {x.view(), wt, bt};
  const TensorView ref_out[] = {y_ref.view()};
  KernelContext ctx{node, ref_in, ref_out, nullptr};
  const ComputeFn ref = FindOp("Gemm")->compute;
  const std::vector<std::function<void()>> fns = {
      [&] {
        (void)(*kernel)->Run({&in, 1}, y_ours.view(), nullptr);
      },
      [&] { xnn_invoke_runtime(xnn.runtime); }, [&] { (void)ref(ctx); },
      [&] {
        (void)(*portable)->Run({&in, 1}, y_ours.view(), nullptr);
      }};
  const std::vector<Stats> st = Interleaved(fns, 15, 50);
  (void)(*kernel)->Run({&in, 1}, y_ours.view(), nullptr);
  float diff = 0;
  for (int64_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::fabs(y_ours.as<float>()[i] - y_xnn.as<float>()[i]));
  }
  const double mb = 4.0 * k * n / 1e6;
  std::printf(
      "FC 1x%ld->%ld | mota %.4f [%.4f-%.4f] %5.1f GB/s | xnnpack %.4f [%.4f-%.4f] | "
      "reference %.4f | portable %.4f | mota/xnn %.2f | max|mota-xnn| %.1e\n",
      long(k), long(n), st[0].median, st[0].lo, st[0].hi, mb / (st[0].median * 1e-3) / 1e3,
      st[1].median, st[1].lo, st[1].hi, st[2].median, st[3].median, st[0].median / st[1].median,
      diff);
}

}  // namespace
}  // namespace mota::exec::fc

int main() {
  if (xnn_initialize(nullptr) != xnn_status_success) return 1;
  std::printf("cpu: %s; times in ms, median of 15 interleaved rounds (min-max), 1 thread\n",
              mota::exec::GetCpuFeatures().ToString().c_str());
  const int64_t shapes[][2] = {{512, 1000}, {1280, 1000}, {1024, 1000}, {2048, 1000},
                               {576, 1024}, {960, 1280},  {64, 64}};
  for (const auto& s : shapes) mota::exec::fc::Bench(s[0], s[1]);
  return 0;
}
