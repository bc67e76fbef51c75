// Test helpers for the Vulkan backend: one shared backend per test process (opening a device is
// slow on lavapipe), one-node graphs run on it and on the reference backend, and a skip for
// machines without a Vulkan device.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/reference/op_test_util.h"
#include "exec/vulkan/vk_tuning.h"
#include "exec/vulkan/vulkan_backend.h"

namespace mota::exec::vk::testing {

// The process's backend (in-memory pipeline cache; validation layers when installed).
inline VulkanBackend& SharedBackend() {
  static VulkanBackend* backend = [] {
    VulkanOptions options;
    options.cache_path = "none";
    options.context.validation = true;
    return CreateVulkanBackend({}, options).release();
  }();
  return *backend;
}

// A second backend whose convolutions take the other operand path (gemm_shared flipped from
// the device's default), so CI on lavapipe also checks the shared-memory path real GPUs use.
inline VulkanBackend& OtherConvPathBackend() {
  static VulkanBackend* backend = [] {
    VulkanOptions options;
    options.cache_path = "none";
    options.context.validation = true;
    const bool shared =
        SharedBackend().status().ok() && DefaultTuning(SharedBackend().device()).gemm_shared != 0;
    options.tuning = shared ? "gemm_shared=0" : "gemm_shared=1";
    return CreateVulkanBackend({}, options).release();
  }();
  return *backend;
}

// fp16 backends (VulkanOptions::precision "fp16"), one per convolution operand path, for the
// fp16 variants of every op. Null when the device lacks shaderFloat16 or 16-bit storage.
inline VulkanBackend* Fp16Backend(bool other_conv_path = false) {
  static VulkanBackend* backends[2] = {nullptr, nullptr};
  static bool made = false;
  if (!made) {
    made = true;
    const Status& s = SharedBackend().status();
    if (s.ok() && SharedBackend().device().shader_float16 &&
        SharedBackend().device().storage_16bit) {
      for (int i = 0; i < 2; ++i) {
        VulkanOptions options;
        options.cache_path = "none";
        options.context.validation = true;
        options.precision = "fp16";
        if (i == 1) options.tuning = OtherConvPathBackend().tuning();
        backends[i] = CreateVulkanBackend({}, options).release();
      }
    }
  }
  return backends[other_conv_path ? 1 : 0];
}

#define MOTA_SKIP_WITHOUT_VULKAN()                                                        \
  do {                                                                                    \
    const ::mota::Status& s = ::mota::exec::vk::testing::SharedBackend().status();        \
    if (!s.ok())                                                                          \
      GTEST_SKIP() << "no Vulkan device (install mesa-vulkan-drivers): " << s.ToString(); \
  } while (false)

// Deterministic values in [lo, hi).
inline HostTensor RandomF32(Shape shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  HostTensor t = HostTensor::Allocate(DType::kF32, std::move(shape));
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    t.as<float>()[i] = lo + (hi - lo) * static_cast<float>(s >> 40) / static_cast<float>(1 << 24);
  }
  return t;
}

// A node input for OneNodeGraph (copyable, unlike exec::testing::OpInput). Null: omitted.
struct Arg {
  std::shared_ptr<HostTensor> tensor;
  bool constant = false;
};
inline Arg In(HostTensor t) { return Arg{std::make_shared<HostTensor>(std::move(t)), false}; }
inline Arg Const(HostTensor t) { return Arg{std::make_shared<HostTensor>(std::move(t)), true}; }

// A graph with one node over `inputs` (constants where marked) and `num_outputs` outputs.
inline model::Graph OneNodeGraph(const std::string& op_type, const model::Attributes& attrs,
                                 const std::vector<Arg>& inputs, int num_outputs,
                                 std::vector<TensorView>* feeds) {
  model::Graph g;
  model::Node node;
  node.name = "node";
  node.op_type = op_type;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].tensor == nullptr) {
      node.inputs.push_back(-1);
      continue;
    }
    const HostTensor& t = *inputs[i].tensor;
    model::TensorInfo info;
    info.name = "in" + std::to_string(i);
    info.dtype = t.dtype();
    info.has_shape = true;
    for (int64_t d : t.shape()) info.dims.push_back({d, {}});
    if (inputs[i].constant) {
      info.is_constant = true;
      info.constant = model::ConstData::View(t.data(), t.nbytes());
    } else {
      g.inputs.push_back(static_cast<int32_t>(g.tensors.size()));
      feeds->push_back(t.view());
    }
    node.inputs.push_back(g.AddTensor(std::move(info)));
  }
  for (int o = 0; o < num_outputs; ++o) {
    model::TensorInfo info;
    info.name = "out" + std::to_string(o);
    const int32_t id = g.AddTensor(std::move(info));
    node.outputs.push_back(id);
    g.outputs.push_back(id);
  }
  g.nodes.push_back(std::move(node));
  return g;
}

struct RunResult {
  std::vector<HostTensor> outputs;
  VulkanStats stats;
  std::vector<DispatchProfile> profile;  // with MOTA_VULKAN_PROFILE=1
  RunTiming timing;
};

// Prepares and runs `graph` once on `backend`.
inline Result<RunResult> RunGraph(Backend& backend, const model::Graph& graph,
                                  const std::vector<TensorView>& feeds) {
  std::vector<Shape> shapes;
  for (const TensorView& f : feeds) shapes.push_back(f.shape);
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Executable> exe, backend.Prepare(graph, shapes, {}));
  RunResult r;
  std::vector<TensorView> outs;
  for (size_t i = 0; i < exe->output_shapes().size(); ++i) {
    r.outputs.push_back(HostTensor::Allocate(exe->output_dtypes()[i], exe->output_shapes()[i]));
    outs.push_back(r.outputs.back().view());
  }
  MOTA_RETURN_IF_ERROR(exe->Run(feeds, outs));
  if (std::string(backend.name()) == "vulkan") {
    r.stats = static_cast<VulkanExecutable&>(*exe).stats();
    r.profile = static_cast<VulkanExecutable&>(*exe).profile();
    r.timing = static_cast<VulkanExecutable&>(*exe).last_run();
  }
  return r;
}

// Max |a - b| / (atol + rtol * |b|) over all elements (<= 1 passes); NaN anywhere fails.
inline double WorstRatio(const HostTensor& a, const HostTensor& b, double atol, double rtol) {
  double worst = 0;
  for (int64_t i = 0; i < b.numel(); ++i) {
    const double x = a.as<float>()[i], y = b.as<float>()[i];
    const double r = std::abs(x - y) / (atol + rtol * std::abs(y));
    if (!(r <= worst)) worst = std::isnan(r) ? INFINITY : r;
  }
  return worst;
}

}  // namespace mota::exec::vk::testing
