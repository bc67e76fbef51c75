// Side-by-side timing of one 3x3 stride-1 conv layer: the Winograd kernel vs the reference
// im2col conv vs XNNPACK's convolution_2d (a one-node subgraph), in one process, alternating
// call by call, 1 thread. Prints medians and p10/p90 per method, GFLOP/s-equivalent (direct-conv
// FLOPs / time) and ratios. Not built by CMake (no benchmark target there yet); from the repo
// root, after building mota_runtime_tests in build/, compile and run (one command line):
//   g++ -O3 -std=c++20 -Iclient_runtime/src -Iclient_runtime/include
//     client_runtime/src/exec/cpu/winograd/winograd_benchmark.cc -o /tmp/winograd_benchmark
//     -Wl,--whole-archive build/client_runtime/libmota_cpu_kernels.a
//     build/client_runtime/libmota_reference_ops.a -Wl,--no-whole-archive
//     build/client_runtime/libmota_exec.a build/client_runtime/libmota_model.a
//     build/client_runtime/libmota_base.a -lXNNPACK -lpthreadpool -lcpuinfo -lcrypto -lpthread
//   /tmp/winograd_benchmark [reps=300] [tiles_per_block=0 (auto)] [C_in:C_out:H ...]
// (default shapes: the resnet18 3x3 layers 64:64:56 128:128:28 256:256:14 512:512:7).
// MOTA_BENCH_THREADS=n runs all three with n threads (mota::ThreadPool / pthreadpool).
#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/winograd/winograd.h"
#include "exec/op_registry.h"

namespace mota::exec::winograd {
namespace {

struct Layer {
  int64_t c, m, h;  // C_in, C_out, H = W, pad 1
};

std::vector<float> Random(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 7;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(s >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

double Seconds(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1))];
}

// One-node XNNPACK subgraph: NHWC input, OHWI filter.
struct Xnn {
  xnn_subgraph_t subgraph = nullptr;
  xnn_runtime_t runtime = nullptr;
  std::vector<float> ohwi;
  pthreadpool_t threads = nullptr;
  bool Init(const Layer& l, const std::vector<float>& w, const std::vector<float>& b, float* x,
            float* y, int n_threads) {
    if (n_threads > 1) threads = pthreadpool_create(n_threads);
    const size_t c = l.c, m = l.m, h = l.h;
    ohwi.resize(w.size() + 16);
    for (size_t o = 0; o < m; ++o)
      for (size_t i = 0; i < c; ++i)
        for (size_t t = 0; t < 9; ++t) ohwi[(o * 9 + t) * c + i] = w[(o * c + i) * 9 + t];
    if (xnn_create_subgraph(2, 0, &subgraph) != xnn_status_success) return false;
    const size_t in_dims[4] = {1, h, h, c}, out_dims[4] = {1, h, h, m}, w_dims[4] = {m, 3, 3, c},
                 b_dims[1] = {m};
    uint32_t xid, wid, bid, yid;
    bool ok = xnn_define_tensor_value(subgraph, xnn_datatype_fp32, 4, in_dims, nullptr, 0,
                                      XNN_VALUE_FLAG_EXTERNAL_INPUT, &xid) == xnn_status_success;
    ok = ok && xnn_define_tensor_value(subgraph, xnn_datatype_fp32, 4, w_dims, ohwi.data(),
                                       XNN_INVALID_VALUE_ID, 0, &wid) == xnn_status_success;
    ok = ok && xnn_define_tensor_value(subgraph, xnn_datatype_fp32, 1, b_dims, b.data(),
                                       XNN_INVALID_VALUE_ID, 0, &bid) == xnn_status_success;
    ok = ok && xnn_define_tensor_value(subgraph, xnn_datatype_fp32, 4, out_dims, nullptr, 1,
                                       XNN_VALUE_FLAG_EXTERNAL_OUTPUT, &yid) == xnn_status_success;
    ok = ok && xnn_define_convolution_2d(subgraph, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, c, m, -INFINITY,
                                         INFINITY, xid, wid, bid, yid, 0) == xnn_status_success;
    ok = ok && xnn_create_runtime_v2(subgraph, threads, 0, &runtime) == xnn_status_success;
    const xnn_external_value ext[2] = {{xid, x}, {yid, y}};
    return ok && xnn_setup_runtime(runtime, 2, ext) == xnn_status_success;
  }
  ~Xnn() {
    if (runtime) xnn_delete_runtime(runtime);
    if (subgraph) xnn_delete_subgraph(subgraph);
    if (threads) pthreadpool_destroy(threads);
  }
};

int RunLayer(const Layer& l, int reps, int64_t tpb, int n_threads) {
  const int64_t c = l.c, m = l.m, h = l.h, hw = h * h;
  const std::vector<float> w = Random(m * c * 9, 1, 1.0f / std::sqrt(9.0f * c));
  const std::vector<float> b = Random(m, 2, 0.1f);
  std::vector<float> x_nchw = Random(c * hw + 16, 3, 1.0f);
  std::vector<float> x(c * hw + 16), y_w(m * hw), y_x(m * hw + 16), y_r(m * hw);
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t p = 0; p < hw; ++p) x[p * c + ch] = x_nchw[ch * hw + p];

  const ConvShape s{.channels = c,
                    .filters = m,
                    .in_h = h,
                    .in_w = h,
                    .out_h = h,
                    .out_w = h,
                    .pad_top = 1,
                    .pad_left = 1};
  const auto c0 = std::chrono::steady_clock::now();
  auto kernel = CreateKernel(s, w.data(), b.data(), {}, {.isa = BestIsa(), .tiles_per_block = tpb});
  const double create_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count();
  if (!kernel.ok()) return std::fprintf(stderr, "%s\n", kernel.status().ToString().c_str()), 1;
  Xnn xnn;
  if (!xnn.Init(l, w, b, x.data(), y_x.data(), n_threads))
    return std::fprintf(stderr, "xnnpack setup failed\n"), 1;

  model::Node node;
  node.name = "conv";
  node.op_type = "Conv";
  node.attrs.SetInts("pads", {1, 1, 1, 1});
  const TensorView ref_in[3] = {{DType::kF32, {1, c, h, h}, x_nchw.data()},
                                {DType::kF32, {m, c, 3, 3}, const_cast<float*>(w.data())},
                                {DType::kF32, {m}, const_cast<float*>(b.data())}};
  const TensorView ref_out[1] = {{DType::kF32, {1, m, h, h}, y_r.data()}};
  std::unique_ptr<ThreadPool> pool;
  if (n_threads > 1) pool = std::make_unique<ThreadPool>(n_threads);
  KernelContext ctx{node, ref_in, ref_out, pool.get()};
  const ComputeFn reference = FindOp("Conv")->compute;

  const TensorView xv{DType::kF32, {1, h, h, c}, x.data()},
      yv{DType::kF32, {1, h, h, m}, y_w.data()};
  std::vector<double> tw, tx, tr;
  bool ok = true;
  for (int r = 0; r < reps; ++r) {
    tw.push_back(Seconds([&] { ok &= (*kernel)->Run({&xv, 1}, yv, pool.get()).ok(); }));
    tx.push_back(Seconds([&] { ok &= xnn_invoke_runtime(xnn.runtime) == xnn_status_success; }));
    if (r % 4 == 0) tr.push_back(Seconds([&] { ok &= reference(ctx).ok(); }));
  }
  double diff = 0;
  for (int64_t i = 0; i < m * hw; ++i)
    diff = std::max(diff, static_cast<double>(std::fabs(y_w[i] - y_x[i])));
  const double gflop = 2.0 * c * m * 9 * hw * 1e-9;
  auto report = [&](const char* name, const std::vector<double>& t) {
    const double med = Percentile(t, 0.5);
    const double p10 = Percentile(t, 0.1);
    std::printf(
        "  %-10s median %7.3f ms (p10 %7.3f, p90 %7.3f)  %6.1f GFLOP/s-eq (at p10 %6.1f)  "
        "xnn/this median %.2fx, p10 %.2fx\n",
        name, med * 1e3, p10 * 1e3, Percentile(t, 0.9) * 1e3, gflop / med, gflop / p10,
        Percentile(tx, 0.5) / med, Percentile(tx, 0.1) / p10);
  };
  std::printf(
      "3x3 conv %lldx%lldx%lld->%lld (%.4f GFLOP), %s, %d thread(s), tiles/block %lld, "
      "max |winograd - xnn| %.2g%s\n",
      static_cast<long long>(h), static_cast<long long>(h), static_cast<long long>(c),
      static_cast<long long>(m), gflop, IsaName(BestIsa()), n_threads, static_cast<long long>(tpb),
      diff, ok ? "" : "  RUN FAILED");
  std::printf("  winograd kernel creation (weight transform + packing) %.2f ms\n", create_ms);
  report("winograd", tw);
  report("xnnpack", tx);
  report("reference", tr);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace mota::exec::winograd

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 300;
  const int64_t tpb = argc > 2 ? std::atoll(argv[2]) : 0;
  if (xnn_initialize(nullptr) != xnn_status_success)
    return std::fprintf(stderr, "xnn_initialize failed\n"), 1;
  int rc = 0;
  std::vector<mota::exec::winograd::Layer> layers = {
      {64, 64, 56}, {128, 128, 28}, {256, 256, 14}, {512, 512, 7}};
  if (argc > 3) layers.clear();
  for (int i = 3; i < argc; ++i) {  // C_in:C_out:H
    long long c = 0, m = 0, h = 0;
    if (std::sscanf(argv[i], "%lld:%lld:%lld", &c, &m, &h) != 3) {
      return std::fprintf(stderr, "shape '%s': expected C_in:C_out:H, e.g. 64:64:56\n", argv[i]), 2;
    }
    layers.push_back({c, m, h});
  }
  const char* threads_env = std::getenv("MOTA_BENCH_THREADS");
  const int threads = threads_env != nullptr ? std::max(1, std::atoi(threads_env)) : 1;
  for (const auto& l : layers) rc |= mota::exec::winograd::RunLayer(l, reps, tpb, threads);
  return rc;
}
