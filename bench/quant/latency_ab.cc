// A/B latency of .mota models in one process, 1 thread, in thread CPU time: every round runs each
// model `runs` times (after warm-up) and takes its median; models alternate inside the round, so
// load from other processes hits all of them alike. Prints per round the medians and each model's
// ratio to the first, then the median ratio and its range. f32 inputs hold a fixed pseudo-random
// pattern. A developer tool (not built by CMake; needs only the runtime libraries). From the repo
// root, after building mota_runtime in build-int8perf:
//
//   B=build-int8perf/client_runtime; g++ -O2 -std=c++20 -Iclient_runtime/src \
//     -I. bench/quant/latency_ab.cc -o /tmp/latency_ab -Wl,--whole-archive \
//     $B/libmota_reference_ops.a $B/libmota_cpu_kernels.a $B/libmota_xnnpack_backend.a \
//     -Wl,--no-whole-archive $B/libmota_exec.a $B/libmota_model.a $B/libmota_base.a \
//     build-int8perf/manifests/lib/status/libmota_status.a -lXNNPACK -lpthreadpool -lcpuinfo \
//     -lflatbuffers -lcrypto -lpthread
//   /tmp/latency_ab ROUNDS RUNS fp32.mota int8.mota [more.mota ...]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/session.h"
#include "model/loader.h"

namespace {

using namespace mota;

struct Loaded {
  std::string path;
  std::unique_ptr<model::Model> model;
  std::unique_ptr<exec::Session> session;
  exec::Executable* exe = nullptr;
  std::vector<exec::HostTensor> in, out;
  std::vector<exec::TensorView> in_views, out_views;
};

bool Load(const std::string& path, Loaded* l) {
  l->path = path;
  auto m = model::Model::Load(path);
  if (!m.ok()) return std::fprintf(stderr, "%s\n", m.status().ToString().c_str()), false;
  l->model = std::move(*m);
  const model::Graph& g = l->model->graph();
  auto backend = exec::CreateBackend("auto", {.threads = 1});
  if (!backend.ok())
    return std::fprintf(stderr, "%s\n", backend.status().ToString().c_str()), false;
  l->session = std::make_unique<exec::Session>(g, std::move(*backend));
  std::vector<Shape> shapes;
  for (int id : g.inputs) {
    const model::TensorInfo& t = g.tensors[id];
    l->in.push_back(exec::HostTensor::Allocate(t.dtype, t.StaticShape()));
    if (t.dtype == DType::kF32) {  // a fixed pseudo-random pattern in [-1, 1)
      float* x = l->in.back().as<float>();
      for (int64_t i = 0; i < l->in.back().numel(); ++i)
        x[i] = static_cast<float>((i * 2654435761u) % 2048) / 1024.0f - 1.0f;
    }
    l->in_views.push_back(l->in.back().view());
    shapes.push_back(t.StaticShape());
  }
  auto exe = l->session->Prepare(shapes);
  if (!exe.ok()) return std::fprintf(stderr, "%s\n", exe.status().ToString().c_str()), false;
  l->exe = *exe;
  for (size_t i = 0; i < l->exe->output_shapes().size(); ++i) {
    l->out.push_back(
        exec::HostTensor::Allocate(l->exe->output_dtypes()[i], l->exe->output_shapes()[i]));
    l->out_views.push_back(l->out.back().view());
  }
  return true;
}

// This thread's CPU time in ms: with 1 thread, time spent descheduled by other processes on a
// loaded machine does not count (caches shared with them still do).
double CpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

double MedianMs(Loaded& l, int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const double t0 = CpuMs();
    if (!l.exe->Run(l.in_views, l.out_views).ok()) std::abort();
    ms.push_back(CpuMs() - t0);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return std::fprintf(stderr, "usage: latency_ab ROUNDS RUNS A.mota B.mota...\n"), 2;
  const int rounds = std::atoi(argv[1]), runs = std::atoi(argv[2]);
  std::vector<Loaded> models(static_cast<size_t>(argc - 3));
  for (int i = 3; i < argc; ++i) {
    if (!Load(argv[i], &models[i - 3])) return 1;
    MedianMs(models[i - 3], 5);  // warm-up
  }
  std::vector<std::vector<double>> ratios(models.size());
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> ms;
    for (Loaded& l : models) ms.push_back(MedianMs(l, runs));
    std::printf("round %d:", r);
    for (size_t i = 0; i < models.size(); ++i) {
      ratios[i].push_back(ms[i] / ms[0]);
      std::printf(" %.3f ms (%.3f)", ms[i], ms[i] / ms[0]);
    }
    std::printf("\n");
  }
  for (size_t i = 1; i < models.size(); ++i) {
    std::vector<double> v = ratios[i];
    std::sort(v.begin(), v.end());
    std::printf("%s / %s: median %.3f (%.3f-%.3f)\n", models[i].path.c_str(),
                models[0].path.c_str(), v[v.size() / 2], v.front(), v.back());
  }
  return 0;
}
