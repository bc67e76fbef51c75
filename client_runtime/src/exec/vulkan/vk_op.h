// Vulkan ops: each file in ops/ registers one op (MOTA_REGISTER_VK_OP) with
//   - check: whether this node, with its prepared shapes and dtypes, can run on the GPU
//     (UNIMPLEMENTED with the reason otherwise: the node then runs on the CPU);
//   - build: the dispatches that compute it, as plain data (shader, specialization constants,
//     push constants, buffer regions read and written, workgroup counts).
// Ops never touch Vulkan objects: the executable turns dispatches into pipelines, descriptor
// sets and one recorded command buffer per segment, and derives the barriers from the regions.
//
// Buffers are addressed in bytes and carry their dtype, so an fp16 storage path adds shader
// variants without changing this interface.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "exec/activation.h"
#include "exec/tensor.h"
#include "exec/vulkan/vk_context.h"
#include "exec/vulkan/vk_tuning.h"
#include "model/graph.h"

namespace mota::exec::vk {

enum class BufferId : uint8_t { kArena, kWeights };

// Bytes [offset, offset + size) of one of the executable's device buffers.
struct Region {
  BufferId buffer = BufferId::kArena;
  uint64_t offset = 0;
  uint64_t size = 0;
  bool Overlaps(const Region& o) const {
    return buffer == o.buffer && offset < o.offset + o.size && o.offset < offset + size;
  }
};

struct GpuTensor {
  DType dtype = DType::kUndefined;  // kUndefined: an omitted optional input
  Shape shape;
  const void* host = nullptr;  // the value, when known at prepare time (constants)
  Region region;               // run-time tensors: where it lives in the arena
  bool present() const { return dtype != DType::kUndefined; }
  int64_t numel() const { return NumElements(shape); }
  uint64_t nbytes() const { return static_cast<uint64_t>(numel()) * DTypeSize(dtype); }
};

struct Dispatch {
  std::string shader;
  std::vector<uint32_t> spec;  // specialization constants 0..n-1
  std::vector<uint8_t> push;   // push constant bytes
  std::vector<Region> reads;   // bindings 0..reads-1
  std::vector<Region> writes;  // bindings reads..reads+writes-1
  uint32_t groups[3] = {1, 1, 1};
};

// What an op sees of its node (check and build).
class OpContext {
 public:
  OpContext(const model::Node& node, const DeviceInfo& device, const Tuning& tuning)
      : node(node), device(device), tuning(tuning) {}
  virtual ~OpContext() = default;

  const model::Node& node;
  const DeviceInfo& device;
  const Tuning& tuning;
  std::vector<GpuTensor> inputs;
  std::vector<GpuTensor> outputs;

  const model::Attributes& attrs() const { return node.attrs; }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i].present(); }
  template <typename... Args>
  Status Unsupported(const Args&... args) const {
    return Unimplemented(node.op_type, " node '", node.name, "' stays on the CPU: ", args...);
  }
  template <typename... Args>
  Status Error(const Args&... args) const {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
  }
};

// The fused activation as push constants (kind as ActivationKind, alpha, beta): the layout of
// the (kind, alpha, beta) triples of the shaders' push constant blocks (ops/common.glsl).
struct ActPush {
  uint32_t kind = 0;
  float alpha = 0;
  float beta = 0;
};

// A residual Add fused into an op's epilogue: y = act(op(x) + residual), where act is the Add's
// fused activation (the op's own activation applies before the add).
struct Residual {
  Region region;
  ActPush act;
};

// Build-time services of the executable.
class OpBuilder : public OpContext {
 public:
  using OpContext::OpContext;
  // Set when the executable fused the consuming Add into this node (VkOpDef::fuses_residual).
  std::optional<Residual> residual;
  // Copies `bytes` into the weights buffer once (uploaded at prepare) and returns the region.
  // Raw bytes: tables of integers (taps, offsets) a shader reads as they are.
  virtual Region AddWeights(std::span<const uint8_t> bytes) = 0;
  // Float values a shader reads as activations and weights (declared SF, ops/common.glsl):
  // stored as fp16 in an fp16 executable, as f32 otherwise.
  virtual Region AddFloats(std::span<const float> values) = 0;
  // Device memory for intermediate results between this node's own dispatches (split-K partial
  // sums): valid only within the node; every node's scratch shares one region at the end of
  // the activation arena (the barriers follow from the regions as usual).
  virtual Region Scratch(uint64_t bytes) = 0;
  // The region of input i: its arena region, or, for a value known at prepare time, a copy in
  // the weights buffer (made once per tensor).
  virtual Region Input(size_t i) = 0;

  template <typename Push>
  void Add(std::string shader, std::vector<uint32_t> spec, const Push& push,
           std::vector<Region> reads, std::vector<Region> writes, uint32_t gx, uint32_t gy = 1,
           uint32_t gz = 1) {
    Dispatch d{std::move(shader), std::move(spec),   {},
               std::move(reads),  std::move(writes), {gx, gy, gz}};
    d.push.resize(sizeof(Push));
    std::memcpy(d.push.data(), &push, sizeof(Push));
    dispatches.push_back(std::move(d));
  }
  std::vector<Dispatch> dispatches;
};

using CheckFn = Status (*)(const OpContext&);
using BuildFn = Status (*)(OpBuilder&);

struct VkOpDef {
  const char* name;
  CheckFn check;
  BuildFn build;  // null for views
  // Output 0 is input 0's bytes with another shape (Reshape, Flatten, ...): no dispatch.
  bool view = false;
  // Optional: whether build() can add a residual (OpBuilder::residual) for this node.
  bool (*fuses_residual)(const OpContext&) = nullptr;
};

const VkOpDef* FindVkOp(std::string_view name);
std::vector<std::string> VkOpNames();  // sorted

struct VkOpRegistrar {
  explicit VkOpRegistrar(const VkOpDef& def);
};

// ---- helpers for op files ------------------------------------------------------------------

Result<ActPush> ReadActPush(const model::Node& node);
// Ok when the first `data_inputs` present inputs (all by default; later ones are parameters
// such as axes) and every output are f32, non-empty, under 2^31 elements and bindable.
Status CheckF32(const OpContext& ctx, size_t data_inputs = SIZE_MAX);
// Workgroups to cover n items with `wg` threads each, folded into (x, y) under the device's
// per-dimension limit. Shaders rebuild the index as gl_GlobalInvocationID.x +
// gl_GlobalInvocationID.y * gl_NumWorkGroups.x * wg.
void Groups1D(const DeviceInfo& device, uint64_t n, uint32_t wg, uint32_t* gx, uint32_t* gy);
inline uint32_t CeilDiv(uint64_t a, uint64_t b) { return static_cast<uint32_t>((a + b - 1) / b); }

}  // namespace mota::exec::vk

#define MOTA_REGISTER_VK_OP(id, ...)                                      \
  static const ::mota::exec::vk::VkOpRegistrar mota_vk_op_registrar_##id( \
      ::mota::exec::vk::VkOpDef __VA_ARGS__)
