// Microbenchmark, 1 thread: the int8 GEMM conv / matmul kernels on resnet / mobilenet layers, per
// ISA, in GOPS (2 ops per multiply-add, useful work only) next to the fp32 FMA roof of this
// machine (~117 GFLOP/s per core, /work/shared/xnnpack-vs-ort.md). Not part of any library or
// test (the *_benchmark.cc glob exclusion). Build and run from the repo root after building
// mota_cpu_kernels and mota_reference_ops in build-vnni:
//
//   B=build-vnni/client_runtime; g++ -O3 -std=c++20 -Iclient_runtime/src \
//     client_runtime/src/exec/cpu/int8/int8_gemm_benchmark.cc -o /tmp/int8_gemm_benchmark \
//     -Wl,--whole-archive $B/libmota_reference_ops.a $B/libmota_cpu_kernels.a \
//     -Wl,--no-whole-archive $B/libmota_exec.a $B/libmota_model.a $B/libmota_base.a \
//     -lflatbuffers -lcrypto -lpthread && /tmp/int8_gemm_benchmark
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "exec/cpu/cpu_features.h"
#include "exec/cpu/int8/int8_kernels.h"

namespace mota::exec::int8 {
namespace {

struct Layer {
  const char* name;
  int64_t c, h, w, m, k, stride, pad;
};

HostTensor Tensor(DType dtype, Shape shape, std::mt19937& rng) {
  HostTensor t = HostTensor::Allocate(dtype, std::move(shape));
  std::uniform_int_distribution<int> d(0, 255);
  for (size_t i = 0; i < t.nbytes(); ++i) t.data()[i] = static_cast<uint8_t>(d(rng));
  return t;
}

HostTensor Scalar(DType dtype, float v) {
  HostTensor t = HostTensor::Allocate(dtype, {});
  if (dtype == DType::kF32) *t.as<float>() = v;
  return t;
}

double MedianMs(PreparedKernel& k, const std::vector<TensorView>& in, const TensorView& out) {
  std::vector<double> ms;
  for (int round = 0; round < 7; ++round) {
    const int reps = 20;
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) (void)k.Run(in, {&out, 1}, nullptr);
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count() / reps);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void BenchConv(const Layer& l, const Isa& isa) {
  std::mt19937 rng(1);
  const int64_t ho = (l.h + 2 * l.pad - l.k) / l.stride + 1;
  const int64_t wo = (l.w + 2 * l.pad - l.k) / l.stride + 1;
  std::vector<HostTensor> t;
  t.push_back(Tensor(DType::kI8, {1, l.c, l.h, l.w}, rng));
  t.push_back(Scalar(DType::kF32, 0.05f));
  t.push_back(Scalar(DType::kI8, 0));
  t.push_back(Tensor(DType::kI8, {l.m, l.c, l.k, l.k}, rng));
  t.push_back(Scalar(DType::kF32, 0.01f));
  t.push_back(Scalar(DType::kI8, 0));
  t.push_back(Scalar(DType::kF32, 2.0f));
  t.push_back(Scalar(DType::kI8, 0));
  model::Node node;
  node.op_type = "QLinearConv";
  node.attrs.SetInts("strides", {l.stride, l.stride});
  node.attrs.SetInts("pads", {l.pad, l.pad, l.pad, l.pad});
  node.attrs.SetString("activation", "Relu");
  std::vector<TensorView> in;
  for (const HostTensor& x : t) in.push_back(x.view());
  HostTensor y = HostTensor::Allocate(DType::kI8, {1, l.m, ho, wo});
  const TensorView out = y.view();
  auto k = CreateQLinearConvGemm(node, in, {&out, 1}, &isa);
  if (!k.ok() || *k == nullptr) {
    std::printf("%-28s %-12s declined\n", l.name, isa.name);
    return;
  }
  const double ms = MedianMs(**k, in, out);
  const double ops = 2.0 * l.m * l.c * l.k * l.k * ho * wo;
  std::printf("%-28s %-12s %8.3f ms %7.1f GOPS  (%.2fx the fp32 FMA roof of 117)\n", l.name,
              isa.name, ms, ops / ms * 1e-6, ops / ms * 1e-6 / 117.0);
}

}  // namespace
}  // namespace mota::exec::int8

int main() {
  using namespace mota::exec::int8;
  std::printf("%s\n", mota::exec::GetCpuFeatures().ToString().c_str());
  const Layer layers[] = {
      {"3x3 56x56x64->64", 64, 56, 56, 64, 3, 1, 1},
      {"3x3 28x28x128->128", 128, 28, 28, 128, 3, 1, 1},
      {"3x3 14x14x256->256", 256, 14, 14, 256, 3, 1, 1},
      {"3x3 7x7x512->512", 512, 7, 7, 512, 3, 1, 1},
      {"3x3 s2 56x56x64->128", 64, 56, 56, 128, 3, 2, 1},
      {"7x7 s2 224x224x3->64", 3, 224, 224, 64, 7, 2, 3},
      {"1x1 56x56x24->144", 24, 56, 56, 144, 1, 1, 0},
      {"1x1 28x28x192->32", 192, 28, 28, 32, 1, 1, 0},
      {"1x1 7x7x320->1280", 320, 7, 7, 1280, 1, 1, 0},
  };
  std::vector<const Isa*> isas = {&BestIsa()};
  if (&BestIsa() != &PortableIsa()) isas.push_back(&PortableIsa());
  for (const Layer& l : layers) {
    for (const Isa* isa : isas) BenchConv(l, *isa);
  }
  return 0;
}
