// The backend interface. Every backend (reference, XNNPACK, Vulkan, ...) implements it; the
// reference backend implements every op and is the oracle the others are tested against.
//
// Lifecycle (XNNPACK's reshape/setup/invoke split):
//   Backend::Prepare(graph, input shapes) -> Executable   shape-dependent work: shape inference,
//                                                          memory plan, kernel/pipeline creation
//   Executable::Run(inputs, outputs)                       binds the pointers and runs
// A Session (session.h) caches one Executable per distinct set of input shapes.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

// Options of a backend. Besides `threads`, the variant's backend parameters (its target custom
// metadata, manifests/lib/tuf/target_custom.h, carried by the install record) travel here as
// plain values, so exec does not depend on the TUF types. A backend ignores what is not its own.
struct BackendOptions {
  int threads = 1;
  // The variant's precision ("fp32", "fp16", "int8", "int8-weights"; empty: the model's). The
  // Vulkan backend runs fp16 for "fp16" where the device can, fp32 for "fp32", and otherwise
  // follows the model's metadata.
  std::string precision;
  // Vulkan: the variant's workgroup size per GPU family ("default" or the vendor id as "0x" +
  // lowercase hex, at least 4 digits: "0x10de", "0x10005"). The backend uses its vendor's entry,
  // else "default" (vulkan_backend.h: how it maps to the tuning parameters).
  std::map<std::string, std::array<int64_t, 3>> vulkan_workgroup_size;
  // Vulkan: tuning parameters "key=value,..." (exec/vulkan/vk_tuning.h) over the above.
  std::string vulkan_tuning;
  // Vulkan: the variant's `vulkan_quirks` list as JSON text (exec/vulkan/vk_quirks.h); empty:
  // none. A malformed list makes the backend fail with INVALID_ARGUMENT naming the field.
  std::string vulkan_quirks_json;
};

// Not thread-safe: one Run at a time per Executable.
class Executable {
 public:
  virtual ~Executable() = default;
  // Required. Shapes and dtypes of the outputs for the prepared input shapes.
  virtual const std::vector<Shape>& output_shapes() const = 0;
  virtual const std::vector<DType>& output_dtypes() const = 0;
  // Required. `inputs` in graph.inputs order with the prepared shapes; `outputs` in
  // graph.outputs order, allocated by the caller with output_shapes(). Buffers must not alias.
  virtual Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) = 0;
  // Optional. Bytes of intermediate memory this executable holds.
  virtual size_t arena_bytes() const { return 0; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Required. Short identifier: "reference", "xnnpack", "vulkan".
  virtual const char* name() const = 0;
  // Required; thread-safe. Whether this backend can run `node` (for partitioning).
  virtual bool Supports(const model::Graph& graph, const model::Node& node) const = 0;
  // Required. The graph must outlive the executable (constants are used in place).
  // `known_inputs` is empty or has one entry per graph input; an entry with data fixes that
  // input's value for this executable (see PlanOptions::known_inputs).
  virtual Result<std::unique_ptr<Executable>> Prepare(const model::Graph& graph,
                                                      std::span<const Shape> input_shapes,
                                                      std::span<const TensorView> known_inputs) = 0;
};

using BackendFactory = std::unique_ptr<Backend> (*)(const BackendOptions& options);
// Backends built into this binary register themselves (MOTA_REGISTER_BACKEND). "auto" names the
// best CPU backend of the build (the reference backend when no faster one is built).
struct BackendRegistrar {
  BackendRegistrar(const char* name, BackendFactory factory);
};

// "reference", "auto", and whatever else this build registered. NOT_FOUND for unknown names.
Result<std::unique_ptr<Backend>> CreateBackend(const std::string& name, const BackendOptions& options);
// Names CreateBackend accepts in this build.
std::vector<std::string> AvailableBackends();

}  // namespace mota::exec

#define MOTA_REGISTER_BACKEND(id, name, factory) \
  static const ::mota::exec::BackendRegistrar mota_backend_registrar_##id(name, factory)
