// Side-by-side microbenchmark, 1 thread: mota's dwconv NHWC kernel vs XNNPACK's depthwise conv
// (one-node subgraph, NHWC) vs the reference Conv (NCHW) vs our portable path, interleaved in one
// process. Not part of any library or test (the *_benchmark.cc glob exclusion). Build and run from
// the repo root after building mota_cpu_kernels and mota_reference_ops in build-dw:
//
//   B=build-dw/client_runtime; g++ -O3 -std=c++20 -Iclient_runtime/src -Iclient_runtime/include \
//     client_runtime/src/exec/cpu/dwconv/dwconv_benchmark.cc -o /tmp/dwconv_benchmark \
//     -Wl,--whole-archive $B/libmota_reference_ops.a $B/libmota_cpu_kernels.a \
//     -Wl,--no-whole-archive $B/libmota_exec.a $B/libmota_model.a $B/libmota_base.a \
//     build-dw/manifests/libmota_manifests.a -lflatbuffers -lcrypto \
//     -lXNNPACK -lpthreadpool -lcpuinfo -lpthread && /tmp/dwconv_benchmark
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
#include "exec/cpu/dwconv/dwconv.h"
#include "exec/op_registry.h"

namespace mota::exec::dwconv {
namespace {

struct BenchShape {
  int64_t c, h, w;
  int k, stride;
};

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

// A one-node XNNPACK depthwise conv; filter [1, k, k, C], pads symmetric (k / 2).
bool MakeXnn(const BenchShape& s, int64_t oh, int64_t ow, const std::vector<float>& w_hwc,
             const std::vector<float>& bias, float* x, float* y, Xnn* xnn) {
  xnn_subgraph_t g = nullptr;
  if (xnn_create_subgraph(2, 0, &g) != xnn_status_success) return false;
  const size_t in_dims[] = {1, size_t(s.h), size_t(s.w), size_t(s.c)};
  const size_t out_dims[] = {1, size_t(oh), size_t(ow), size_t(s.c)};
  const size_t w_dims[] = {1, size_t(s.k), size_t(s.k), size_t(s.c)};
  const size_t b_dims[] = {size_t(s.c)};
  uint32_t in_id, out_id, w_id, b_id;
  bool ok =
      xnn_define_tensor_value(g, xnn_datatype_fp32, 4, in_dims, nullptr, 0,
                              XNN_VALUE_FLAG_EXTERNAL_INPUT, &in_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 4, out_dims, nullptr, 1,
                              XNN_VALUE_FLAG_EXTERNAL_OUTPUT, &out_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 4, w_dims, w_hwc.data(), XNN_INVALID_VALUE_ID,
                              0, &w_id) == xnn_status_success &&
      xnn_define_tensor_value(g, xnn_datatype_fp32, 1, b_dims, bias.data(), XNN_INVALID_VALUE_ID, 0,
                              &b_id) == xnn_status_success;
  const uint32_t p = s.k / 2;
  ok = ok && xnn_define_depthwise_convolution_2d(g, p, p, p, p, s.k, s.k, s.stride, s.stride, 1, 1,
                                                 1, s.c, -INFINITY, INFINITY, in_id, w_id, b_id,
                                                 out_id, 0) == xnn_status_success;
  ok = ok && xnn_create_runtime_v2(g, nullptr, 0, &xnn->runtime) == xnn_status_success;
  xnn_delete_subgraph(g);
  const xnn_external_value ext[] = {{in_id, x}, {out_id, y}};
  return ok && xnn_setup_runtime(xnn->runtime, 2, ext) == xnn_status_success;
}

void Bench(const BenchShape& s) {
  const int64_t p = s.k / 2;
  const int64_t oh = (s.h + 2 * p - s.k) / s.stride + 1, ow = (s.w + 2 * p - s.k) / s.stride + 1;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (float& f : v) f = d(rng);
    return v;
  };
  const std::vector<float> w = fill(s.c * s.k * s.k), bias = fill(s.c);
  const HostTensor x_nhwc = HostTensor::Allocate(DType::kF32, {1, s.h, s.w, s.c});
  const HostTensor x_nchw = HostTensor::Allocate(DType::kF32, {1, s.c, s.h, s.w});
  const std::vector<float> xv = fill(s.c * s.h * s.w);
  std::copy(xv.begin(), xv.end(), x_nhwc.view().as<float>());
  std::copy(xv.begin(), xv.end(), x_nchw.view().as<float>());  // values only matter for NaN-free
  HostTensor y_ours = HostTensor::Allocate(DType::kF32, {1, oh, ow, s.c});
  HostTensor y_xnn = HostTensor::Allocate(DType::kF32, {1, oh, ow, s.c});
  HostTensor y_ref = HostTensor::Allocate(DType::kF32, {1, s.c, oh, ow});
  std::vector<float> w_hwc(w.size());
  for (int64_t c = 0; c < s.c; ++c) {
    for (int t = 0; t < s.k * s.k; ++t) w_hwc[t * s.c + c] = w[c * s.k * s.k + t];
  }

  model::Node node;
  node.name = "dw";
  node.op_type = "Conv";
  node.attrs.SetInt("group", s.c);
  node.attrs.SetInts("strides", {s.stride, s.stride});
  node.attrs.SetInts("pads", {p, p, p, p});
  const TensorView wt{DType::kF32, {s.c, 1, s.k, s.k}, const_cast<float*>(w.data())};
  const TensorView bt{DType::kF32, {s.c}, const_cast<float*>(bias.data())};
  const std::vector<TensorView> logical = {{DType::kF32, {1, s.c, s.h, s.w}, nullptr}, wt, bt};
  const TensorView out_logical{DType::kF32, {1, s.c, oh, ow}, nullptr};
  auto kernel = CreateDwConvKernel(node, logical, out_logical, nullptr);
  auto portable = CreateDwConvKernel(node, logical, out_logical, DwRowsPortable);
  Xnn xnn;
  if (!kernel.ok() || *kernel == nullptr || !portable.ok() || *portable == nullptr ||
      !MakeXnn(s, oh, ow, w_hwc, bias, x_nhwc.view().as<float>(), y_xnn.view().as<float>(), &xnn)) {
    std::printf("setup failed for C%ld %ldx%ld\n", long(s.c), long(s.h), long(s.w));
    return;
  }
  const TensorView in = x_nhwc.view();
  const TensorView ref_in[] = {x_nchw.view(), wt, bt};
  const TensorView ref_out[] = {y_ref.view()};
  KernelContext ctx{node, ref_in, ref_out, nullptr};
  const ComputeFn ref = FindOp("Conv")->compute;
  const std::vector<std::function<void()>> fns = {
      [&] {
        (void)(*kernel)->Run({&in, 1}, y_ours.view(), nullptr);
      },
      [&] { xnn_invoke_runtime(xnn.runtime); }, [&] { (void)ref(ctx); },
      [&] {
        (void)(*portable)->Run({&in, 1}, y_ours.view(), nullptr);
      }};
  const std::vector<Stats> st = Interleaved(fns, 15, 30);
  (void)(*kernel)->Run({&in, 1}, y_ours.view(), nullptr);
  float diff = 0;
  for (int64_t i = 0; i < y_ours.numel(); ++i) {
    diff = std::max(diff, std::fabs(y_ours.as<float>()[i] - y_xnn.as<float>()[i]));
  }
  const double gflop = 2.0 * s.c * oh * ow * s.k * s.k * 1e-9;
  std::printf(
      "%dx%d s%d %3ldx%3ldx%3ld | mota %.4f [%.4f-%.4f] %5.1f GF/s | xnnpack %.4f [%.4f-%.4f] | "
      "reference %.4f | portable %.4f | mota/xnn %.2f | max|mota-xnn| %.1e\n",
      s.k, s.k, s.stride, long(s.h), long(s.w), long(s.c), st[0].median, st[0].lo, st[0].hi,
      gflop / (st[0].median * 1e-3), st[1].median, st[1].lo, st[1].hi, st[2].median, st[3].median,
      st[0].median / st[1].median, diff);
}

}  // namespace
}  // namespace mota::exec::dwconv

int main() {
  if (xnn_initialize(nullptr) != xnn_status_success) return 1;
  std::printf("cpu: %s; times in ms, median of 15 interleaved rounds (min-max), 1 thread\n",
              mota::exec::GetCpuFeatures().ToString().c_str());
  using mota::exec::dwconv::BenchShape;
  const BenchShape shapes[] = {{144, 56, 56, 3, 1}, {96, 112, 112, 3, 2}, {32, 112, 112, 3, 1},
                               {384, 14, 14, 3, 1}, {960, 7, 7, 3, 1},    {8, 56, 56, 3, 1},
                               {16, 56, 56, 3, 1},  {4, 56, 56, 3, 2},    {72, 56, 56, 5, 2},
                               {120, 28, 28, 5, 1}, {480, 14, 14, 5, 1},  {672, 14, 14, 5, 2}};
  for (const BenchShape& s : shapes) mota::exec::dwconv::Bench(s);
  return 0;
}
