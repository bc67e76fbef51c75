#include "exec/vulkan/vk_executable.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>

#include "exec/vulkan/shader_set.h"
#include "exec/vulkan/vk_cost_model.h"
#include "exec/vulkan/vk_half.h"
#include "exec/vulkan/vk_memory.h"
#include "exec/vulkan/vk_op.h"
#include "exec/vulkan/vk_placement.h"

namespace mota::exec::vk {
namespace {

// A fence wait longer than this is treated as a hung device. Generous: lavapipe runs a
// resnet18 segment in seconds on a busy 2-core machine.
constexpr uint64_t kFenceTimeoutNs = uint64_t{120} * 1000 * 1000 * 1000;

int lose_device_in = -1;  // LoseDeviceForTesting

using Clock = std::chrono::steady_clock;
double Ms(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

struct HostCopy {
  int32_t tensor = -1;
  uint64_t staging = 0;
  uint64_t size = 0;
};

struct Segment {
  std::vector<int32_t> nodes;
  int32_t first_pos = 0, last_pos = 0;  // positions in plan.run_nodes
  std::vector<Dispatch> dispatches;
  std::vector<const Pipeline*> pipelines;  // per dispatch
  std::vector<VkDescriptorSet> sets;       // per dispatch
  std::vector<HostCopy> uploads, downloads;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  // Profiling: dispatches + 1 timestamps; dispatch i of this segment is profile entry
  // first_profile + i.
  VkQueryPool queries = VK_NULL_HANDLE;
  // Index of the segment's begin, end and inputs-copied timestamps (timing runs).
  uint32_t run_stamps = 0;
  size_t first_profile = 0;
};

struct Step {
  int32_t node = -1;     // a CPU node
  int32_t segment = -1;  // or a GPU segment
};

class Exe;

class Builder final : public OpBuilder {
 public:
  Builder(Exe& exe, const model::Node& node, const DeviceInfo& d, const Tuning& t)
      : OpBuilder(node, d, t), exe_(exe) {}
  Region AddWeights(std::span<const uint8_t> bytes) override;
  Region AddFloats(std::span<const float> values) override;
  Region Scratch(uint64_t bytes) override;
  Region Input(size_t i) override;

 private:
  Exe& exe_;
};

class Exe final : public VulkanExecutable {
 public:
  Exe(const model::Graph& graph, ExecutionPlan plan, std::shared_ptr<SharedState> shared,
      const Precision& precision)
      : graph_(graph),
        plan_(std::move(plan)),
        shared_(std::move(shared)),
        api_(shared_->ctx->api()),
        fp16_(precision.fp16) {
    stats_.fp16 = precision.fp16;
    stats_.precision = precision.reason;
  }
  ~Exe() override;

  Status Init();
  // Set when Init failed because a shader has no fp16 variant: its name.
  const std::string& missing_fp16() const { return missing_fp16_; }
  bool fp16() const { return fp16_; }
  // The plan back, for a retry in fp32 (after a failed Init only).
  ExecutionPlan TakePlan() { return std::move(plan_); }
  const std::vector<Shape>& output_shapes() const override { return plan_.output_shapes; }
  const std::vector<DType>& output_dtypes() const override { return plan_.output_dtypes; }
  size_t arena_bytes() const override { return stats_.arena_bytes + plan_.arena_size; }
  const VulkanStats& stats() const override { return stats_; }
  const std::vector<DispatchProfile>& profile() const override { return profile_; }
  const RunTiming& last_run() const override { return last_run_; }
  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override;

  Region AddWeights(std::span<const uint8_t> bytes);
  Region KnownInput(int32_t tensor);
  // Bytes after the planned arena, shared by every node's scratch (OpBuilder::Scratch).
  Region ScratchRegion(uint64_t bytes) {
    scratch_bytes_ = std::max(scratch_bytes_, bytes);
    return Region{BufferId::kArena, scratch_offset_, bytes};
  }
  Region ArenaRegion(int32_t tensor) const {
    uint64_t slice = 0;
    const int32_t root = Root(tensor, &slice);
    return Region{BufferId::kArena, offsets_[root] + slice, Bytes(tensor)};
  }

 private:
  // Whether tensor t is stored as fp16 on the device (f32 tensors in an fp16 executable).
  bool Half(int32_t t) const { return fp16_ && plan_.tensors[t].dtype == DType::kF32; }
  // Device bytes of tensor t.
  uint64_t Bytes(int32_t t) const {
    return static_cast<uint64_t>(NumElements(plan_.tensors[t].shape)) *
           (Half(t) ? 2 : DTypeSize(plan_.tensors[t].dtype));
  }
  // Host <-> device copies of tensor t's `n` device bytes, converting f32 <-> fp16 where the
  // device stores fp16: callers keep f32.
  void ToDevice(int32_t t, const void* host, uint8_t* device, uint64_t n) const;
  void ToHost(int32_t t, const uint8_t* device, void* host, uint64_t n) const;
  // The tensor whose arena bytes `t` lives in, and t's byte offset inside them.
  int32_t Root(int32_t t, uint64_t* offset = nullptr) const {
    uint64_t sum = 0;
    while (parent_[t] != t) {
      sum += parent_offset_[t];
      t = parent_[t];
    }
    if (offset != nullptr) *offset = sum;
    return t;
  }
  bool ConcatInPlace(const model::Node& node);
  bool FuseResidual(int32_t add);
  std::vector<GpuTensor> Tensors(const std::vector<int32_t>& ids, bool with_regions) const;
  Status Partition();
  void PlanResidency();
  Status BuildOps();
  Status CreateHostArena();
  Status CreateBuffers();
  Status UploadWeights();
  Status CreateDescriptors();
  Status Record(Segment& seg);
  Status Submit(VkCommandBuffer cmd, const char* what);
  Status WaitFence(const char* what);
  Status ReadTimestamps(const Segment& seg);
  Status RunSegment(Segment& seg, std::span<const TensorView> inputs,
                    std::span<const TensorView> outputs);
  VkBuffer Buffer(BufferId id) const {
    return id == BufferId::kArena ? arena_->buffer() : weights_->buffer();
  }

  const model::Graph& graph_;
  ExecutionPlan plan_;
  std::shared_ptr<SharedState> shared_;
  const Api& api_;
  VulkanStats stats_;
  std::vector<Step> steps_;
  std::vector<Segment> segments_;
  std::vector<int32_t> node_segment_;  // per node: its segment or -1
  // Per tensor: the tensor whose bytes it is part of (itself for most), at which byte offset.
  // Views point at their input; inputs of an in-place Concat at their slice of its output.
  std::vector<int32_t> parent_;
  std::vector<uint64_t> parent_offset_;
  std::vector<int32_t> producers_;     // per tensor: its node, or -1
  std::vector<int32_t> position_;      // per node: its index in plan_.run_nodes, or -1
  std::vector<int32_t> fused_add_;     // per node: the Add fused into its epilogue, or -1
  std::vector<int32_t> use_counts_;    // per tensor: node inputs and graph outputs reading it
  std::vector<bool> skip_build_;       // per node: views and in-place Concats record no dispatch
  std::vector<uint64_t> offsets_;      // per root tensor: arena offset
  std::vector<uint8_t> weight_bytes_;  // host copy until uploaded
  std::map<int32_t, Region> known_regions_;
  std::unique_ptr<DeviceBuffer> arena_, weights_, staging_;
  AlignedBuffer host_arena_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkCommandPool commands_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  Status lost_;
  std::vector<DispatchProfile> profile_;
  bool profiling_ = false;
  bool timing_ = false;  // begin, inputs-copied and end timestamps per segment (profile/time_runs)
  RunTiming last_run_;
  std::vector<uint64_t> stamps_;  // ReadTimestamps' buffer, kept between runs
  bool in_flight_ = false;        // a submission whose fence was not waited for successfully
  const bool fp16_;
  std::string missing_fp16_;
  uint64_t scratch_offset_ = 0, scratch_bytes_ = 0;
};

void Exe::ToDevice(int32_t t, const void* host, uint8_t* device, uint64_t n) const {
  if (!Half(t)) {
    std::memcpy(device, host, n);
    return;
  }
  // Device regions and staging slots are at least 4-byte aligned.
  FloatsToHalves(static_cast<const float*>(host), reinterpret_cast<uint16_t*>(device), n / 2);
}

void Exe::ToHost(int32_t t, const uint8_t* device, void* host, uint64_t n) const {
  if (!Half(t)) {
    std::memcpy(host, device, n);
    return;
  }
  HalvesToFloats(reinterpret_cast<const uint16_t*>(device), static_cast<float*>(host), n / 2);
}

Region Builder::AddWeights(std::span<const uint8_t> bytes) { return exe_.AddWeights(bytes); }

Region Builder::AddFloats(std::span<const float> values) {
  if (!exe_.fp16()) {
    return exe_.AddWeights({reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()});
  }
  std::vector<uint16_t> half(values.size());
  FloatsToHalves(values.data(), half.data(), values.size());
  return exe_.AddWeights({reinterpret_cast<const uint8_t*>(half.data()), half.size() * 2});
}

Region Builder::Scratch(uint64_t bytes) { return exe_.ScratchRegion(bytes); }

Region Builder::Input(size_t i) {
  const int32_t t = node.inputs[i];
  return inputs[i].host != nullptr ? exe_.KnownInput(t) : exe_.ArenaRegion(t);
}

Exe::~Exe() {
  VkDevice dev = shared_->ctx->device();
  if (fence_ != VK_NULL_HANDLE) {
    // Never free what a running submission uses (only after a failed wait is one left).
    if (in_flight_) api_.WaitForFences(dev, 1, &fence_, VK_TRUE, kFenceTimeoutNs);
    api_.DestroyFence(dev, fence_, nullptr);
  }
  for (Segment& seg : segments_) {
    if (seg.queries != VK_NULL_HANDLE) api_.DestroyQueryPool(dev, seg.queries, nullptr);
  }
  if (commands_ != VK_NULL_HANDLE) api_.DestroyCommandPool(dev, commands_, nullptr);
  if (pool_ != VK_NULL_HANDLE) api_.DestroyDescriptorPool(dev, pool_, nullptr);
}

std::vector<GpuTensor> Exe::Tensors(const std::vector<int32_t>& ids, bool with_regions) const {
  std::vector<GpuTensor> out = PlannedTensors(plan_, ids);
  for (size_t i = 0; i < ids.size() && with_regions; ++i) {
    if (ids[i] >= 0 && IsRunTime(plan_.tensors[ids[i]].storage)) {
      out[i].region = ArenaRegion(ids[i]);
    }
  }
  return out;
}

Status Exe::Init() {
  MOTA_RETURN_IF_ERROR(Partition());
  // Everything on the CPU (the cost model's whole-model decision, or no op accepts a node): the
  // reference kernels need the host arena only; no device buffer, pool or fence.
  if (segments_.empty()) return CreateHostArena();
  PlanResidency();
  MOTA_RETURN_IF_ERROR(BuildOps());
  MOTA_RETURN_IF_ERROR(CreateBuffers());
  MOTA_RETURN_IF_ERROR(UploadWeights());
  MOTA_RETURN_IF_ERROR(CreateDescriptors());
  for (Segment& seg : segments_) MOTA_RETURN_IF_ERROR(Record(seg));
  if (!(shared_->profile && shared_->ctx->info().timestamps)) profile_.clear();
  return Status::Ok();
}

// Each run-time node goes where PlaceNodes (vk_placement.h) says; runs of GPU nodes become
// segments.
Status Exe::Partition() {
  node_segment_.assign(graph_.nodes.size(), -1);
  parent_.resize(graph_.tensors.size());
  for (size_t t = 0; t < parent_.size(); ++t) parent_[t] = static_cast<int32_t>(t);
  parent_offset_.assign(graph_.tensors.size(), 0);
  skip_build_.assign(graph_.nodes.size(), false);
  producers_ = graph_.Producers();
  use_counts_ = graph_.UseCounts();
  position_.assign(graph_.nodes.size(), -1);
  fused_add_.assign(graph_.nodes.size(), -1);
  MOTA_ASSIGN_OR_RETURN(const Placement placement,
                        PlaceNodes(graph_, plan_, shared_->ctx->info(), shared_->tuning,
                                   shared_->cpu_threads, shared_->cost_policy));
  SetPlacementStats(graph_, plan_, placement, &stats_);
  for (size_t pos = 0; pos < plan_.run_nodes.size(); ++pos) {
    const int32_t n = plan_.run_nodes[pos];
    position_[n] = static_cast<int32_t>(pos);
    const model::Node& node = graph_.nodes[n];
    if (!placement.why_cpu[pos].ok()) {
      steps_.push_back(Step{n, -1});
      continue;
    }
    if (placement.view[pos]) {
      parent_[node.outputs[0]] = node.inputs[0];
      skip_build_[n] = true;
    }
    if (steps_.empty() || steps_.back().segment < 0) {
      steps_.push_back(Step{-1, static_cast<int32_t>(segments_.size())});
      segments_.emplace_back();
      segments_.back().first_pos = static_cast<int32_t>(pos);
    }
    if (node.op_type == "Concat" && ConcatInPlace(node)) {
      ++stats_.in_place_concats;
      skip_build_[n] = true;
    }
    if (node.op_type == "Add" && FuseResidual(n)) {
      ++stats_.fused_adds;
      skip_build_[n] = true;
    }
    Segment& seg = segments_.back();
    seg.nodes.push_back(n);
    seg.last_pos = static_cast<int32_t>(pos);
    node_segment_[n] = steps_.back().segment;
  }
  return Status::Ok();
}

// A Concat along an axis with nothing before it (N == 1 for NCHW channels) is a list of
// contiguous slices of its output: its inputs are placed in those slices and the Concat costs
// no dispatch and no copy (squeezenet's fire modules). Each input must be a run-time
// intermediate of its own (not a graph input, view or slice yet) made by a node of the same
// segment (a CPU-made one is uploaded whole), used once by this Concat, and its slice must
// start at a descriptor-aligned offset.
bool Exe::ConcatInPlace(const model::Node& node) {
  const int32_t out = node.outputs[0];
  const Shape& shape = plan_.tensors[out].shape;
  int64_t axis = node.attrs.GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(shape.size());
  for (int64_t d = 0; d < axis; ++d) {
    if (shape[d] != 1) return false;
  }
  const uint64_t align = shared_->ctx->info().storage_offset_alignment;
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int32_t t = node.inputs[i];
    const TensorPlan::Storage st = plan_.tensors[t].storage;
    const int32_t producer = producers_[t];
    if (st != TensorPlan::Storage::kArena || parent_[t] != t || offset % align != 0 ||
        producer < 0 || node_segment_[producer] != steps_.back().segment ||
        std::count(node.inputs.begin(), node.inputs.end(), t) != 1) {
      return false;
    }
    offsets.push_back(offset);
    offset += Bytes(t);
  }
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    parent_[node.inputs[i]] = out;
    parent_offset_[node.inputs[i]] = offsets[i];
  }
  return true;
}

// Add(op(x), r) -> one dispatch of op with r added in its epilogue (resnet and mobilenet_v2
// residual connections): when op's def fuses residuals for this node, ran earlier in this
// segment, its output is read by this Add only, r has the output's shape and exists before op
// runs. The op then writes the Add's output directly.
bool Exe::FuseResidual(int32_t add) {
  const model::Node& node = graph_.nodes[add];
  const Shape& out_shape = plan_.tensors[node.outputs[0]].shape;
  for (int side = 0; side < 2; ++side) {
    const int32_t t = node.inputs[side], r = node.inputs[1 - side];
    const int32_t p = producers_[t];
    if (p < 0 || node_segment_[p] != steps_.back().segment || skip_build_[p] ||
        fused_add_[p] >= 0 || t == r || use_counts_[t] != 1 ||
        plan_.tensors[t].storage != TensorPlan::Storage::kArena || parent_[t] != t ||
        plan_.tensors[t].shape != out_shape || !IsRunTime(plan_.tensors[r].storage) ||
        plan_.tensors[r].shape != out_shape ||
        (producers_[r] >= 0 && position_[producers_[r]] >= position_[p])) {
      continue;
    }
    const model::Node& producer = graph_.nodes[p];
    const VkOpDef* def = FindVkOp(producer.op_type);
    if (def == nullptr || def->fuses_residual == nullptr || !ReadActPush(node).ok()) continue;
    OpContext ctx(producer, shared_->ctx->info(), shared_->tuning);
    ctx.inputs = Tensors(producer.inputs, false);
    ctx.outputs = Tensors(producer.outputs, false);
    if (!def->fuses_residual(ctx)) continue;
    fused_add_[p] = add;
    parent_[t] = node.outputs[0];
    return true;
  }
  return false;
}

// Which tensors live on the device, when they are uploaded and downloaded, and the arena layout
// (root tensors only: views share their root's bytes).
void Exe::PlanResidency() {
  const size_t num = graph_.tensors.size();
  std::vector<int32_t> first(num, INT32_MAX), last(num, -1);
  std::vector<int32_t> producer_segment(num, -1);
  std::vector<bool> cpu_reads(num, false);
  for (const Step& s : steps_) {
    if (s.node >= 0) {
      for (int32_t t : graph_.nodes[s.node].inputs) {
        if (t >= 0) cpu_reads[t] = true;
      }
    }
  }
  for (size_t si = 0; si < segments_.size(); ++si) {
    for (int32_t n : segments_[si].nodes) {
      for (int32_t t : graph_.nodes[n].outputs) producer_segment[t] = static_cast<int32_t>(si);
    }
  }
  std::vector<bool> uploaded(num, false);
  for (size_t si = 0; si < segments_.size(); ++si) {
    Segment& seg = segments_[si];
    for (size_t k = 0; k < seg.nodes.size(); ++k) {
      const model::Node& node = graph_.nodes[seg.nodes[k]];
      const int32_t pos = seg.first_pos + static_cast<int32_t>(k);
      for (int32_t t : node.inputs) {
        if (t < 0 || !IsRunTime(plan_.tensors[t].storage)) continue;
        const int32_t r = Root(t);
        last[r] = std::max(last[r], pos);
        // Produced on the CPU (or a graph input) and not on the device yet: upload.
        if (producer_segment[r] < 0 && !uploaded[r]) {
          uploaded[r] = true;
          seg.uploads.push_back(HostCopy{r, 0, Bytes(r)});
          first[r] = std::min(first[r], seg.first_pos);
        }
      }
      for (int32_t t : node.outputs) {
        if (t < 0 || !IsRunTime(plan_.tensors[t].storage)) continue;
        const int32_t r = Root(t);
        first[r] = std::min(first[r], pos);
        last[r] = std::max(last[r], pos);
        // Read on the CPU side or by the caller: download at the segment's end (alive until then).
        if (cpu_reads[t] || plan_.tensors[t].storage == TensorPlan::Storage::kOutput) {
          seg.downloads.push_back(HostCopy{t, 0, Bytes(t)});
          last[r] = std::max(last[r], seg.last_pos);
        }
      }
    }
    stats_.uploads += static_cast<int>(seg.uploads.size());
    stats_.downloads += static_cast<int>(seg.downloads.size());
  }
  std::vector<Lifetime> lifetimes;
  std::vector<int32_t> roots;
  for (size_t t = 0; t < num; ++t) {
    if (last[t] < 0 || Root(static_cast<int32_t>(t)) != static_cast<int32_t>(t)) continue;
    roots.push_back(static_cast<int32_t>(t));
    lifetimes.push_back(Lifetime{Bytes(static_cast<int32_t>(t)), first[t], last[t]});
  }
  std::vector<uint64_t> offsets;
  stats_.arena_bytes =
      AssignOffsets(lifetimes, shared_->ctx->info().storage_offset_alignment, &offsets);
  offsets_.assign(num, 0);
  for (size_t i = 0; i < roots.size(); ++i) offsets_[roots[i]] = offsets[i];
  uint64_t staging = 0;
  for (Segment& seg : segments_) {
    for (auto* list : {&seg.uploads, &seg.downloads}) {
      for (HostCopy& c : *list) {
        c.staging = staging;
        staging += AlignUp(std::max<uint64_t>(c.size, 4), 64);
      }
    }
  }
  stats_.staging_bytes = staging;
}

Region Exe::AddWeights(std::span<const uint8_t> bytes) {
  const uint64_t align = shared_->ctx->info().storage_offset_alignment;
  const uint64_t offset = AlignUp(weight_bytes_.size(), align);
  weight_bytes_.resize(offset);
  weight_bytes_.insert(weight_bytes_.end(), bytes.begin(), bytes.end());
  return Region{BufferId::kWeights, offset, bytes.size()};
}

Region Exe::KnownInput(int32_t tensor) {
  auto it = known_regions_.find(tensor);
  if (it != known_regions_.end()) return it->second;
  const TensorPlan& p = plan_.tensors[tensor];
  const void* data =
      p.storage == TensorPlan::Storage::kValue ? plan_.values[p.value_index].data() : p.data;
  std::vector<uint8_t> half;
  if (Half(tensor)) {  // weights and other prepare-time values: converted once, here
    half.resize(Bytes(tensor));
    ToDevice(tensor, data, half.data(), half.size());
    data = half.data();
  }
  const Region r = AddWeights({static_cast<const uint8_t*>(data), Bytes(tensor)});
  known_regions_.emplace(tensor, r);
  return r;
}

Status Exe::BuildOps() {
  const DeviceInfo& device = shared_->ctx->info();
  scratch_offset_ = AlignUp(stats_.arena_bytes, device.storage_offset_alignment);
  for (Segment& seg : segments_) {
    seg.first_profile = profile_.size();
    for (int32_t n : seg.nodes) {
      const model::Node& node = graph_.nodes[n];
      const VkOpDef* def = FindVkOp(node.op_type);
      if (skip_build_[n]) continue;
      Builder b(*this, node, device, shared_->tuning);
      b.inputs = Tensors(node.inputs, true);
      b.outputs = Tensors(node.outputs, true);
      if (fused_add_[n] >= 0) {
        const model::Node& add = graph_.nodes[fused_add_[n]];
        const int32_t r = add.inputs[add.inputs[0] == node.outputs[0] ? 1 : 0];
        MOTA_ASSIGN_OR_RETURN(ActPush act, ReadActPush(add));
        b.residual = Residual{ArenaRegion(r), act};
      }
      MOTA_RETURN_IF_ERROR(def->build(b));
      for (Dispatch& d : b.dispatches) {
        if (fp16_) {
          if (FindShader(d.shader + "_f16") == nullptr) {
            missing_fp16_ = d.shader;
            return FailedPrecondition("shader '", d.shader, "' (node '", node.name,
                                      "') has no fp16 variant");
          }
          d.shader += "_f16";
        }
        const PipelineKey key{d.shader, d.spec,
                              static_cast<uint32_t>(d.reads.size() + d.writes.size()),
                              static_cast<uint32_t>(d.push.size())};
        MOTA_ASSIGN_OR_RETURN(const Pipeline* p, shared_->pipelines->Get(key));
        seg.pipelines.push_back(p);
        profile_.push_back(DispatchProfile{node.name, d.shader, 0, 0});
        seg.dispatches.push_back(std::move(d));
      }
    }
    stats_.dispatches += static_cast<int>(seg.dispatches.size());
  }
  stats_.weight_bytes = weight_bytes_.size();
  if (scratch_bytes_ > 0) stats_.arena_bytes = scratch_offset_ + scratch_bytes_;
  return Status::Ok();
}

// The CPU nodes' intermediates (ExecutionPlan::arena_size bytes).
Status Exe::CreateHostArena() {
  if (!host_arena_.Resize(plan_.arena_size)) {
    return OutOfMemory("cannot allocate the ", plan_.arena_size, "-byte host arena");
  }
  return Status::Ok();
}

Status Exe::CreateBuffers() {
  MOTA_RETURN_IF_ERROR(CreateHostArena());
  const auto& ctx = shared_->ctx;
  MOTA_ASSIGN_OR_RETURN(arena_,
                        DeviceBuffer::Create(ctx, stats_.arena_bytes, DeviceBuffer::Kind::kDevice,
                                             "activation arena"));
  MOTA_ASSIGN_OR_RETURN(weights_,
                        DeviceBuffer::Create(ctx, weight_bytes_.size(), DeviceBuffer::Kind::kDevice,
                                             "weights buffer"));
  // Unified memory (phones, integrated GPUs, lavapipe): the host reads and writes the arena
  // itself; a staging buffer would only add copies.
  stats_.direct_io = arena_->mapped() != nullptr && !shared_->force_staging;
  if (stats_.direct_io) stats_.staging_bytes = 0;
  MOTA_ASSIGN_OR_RETURN(
      staging_, DeviceBuffer::Create(ctx, stats_.staging_bytes, DeviceBuffer::Kind::kStaging,
                                     "input/output staging buffer"));
  VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool.queueFamilyIndex = ctx->queue_family();
  MOTA_VK_RETURN_IF_ERROR(api_.CreateCommandPool(ctx->device(), &pool, nullptr, &commands_),
                          "vkCreateCommandPool", "preparing command buffers");
  VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  MOTA_VK_RETURN_IF_ERROR(api_.CreateFence(ctx->device(), &fence, nullptr, &fence_),
                          "vkCreateFence", "preparing command buffers");
  return Status::Ok();
}

// Once per executable: straight into the buffer when it is host-visible (unified memory),
// else through a temporary staging buffer and one copy.
Status Exe::UploadWeights() {
  if (weight_bytes_.empty()) return Status::Ok();
  if (weights_->mapped() != nullptr) {
    std::memcpy(weights_->mapped(), weight_bytes_.data(), weight_bytes_.size());
    MOTA_RETURN_IF_ERROR(weights_->Flush(0, weight_bytes_.size()));
  } else {
    MOTA_ASSIGN_OR_RETURN(
        auto temp, DeviceBuffer::Create(shared_->ctx, weight_bytes_.size(),
                                        DeviceBuffer::Kind::kStaging, "weights staging buffer"));
    std::memcpy(temp->mapped(), weight_bytes_.data(), weight_bytes_.size());
    MOTA_RETURN_IF_ERROR(temp->Flush(0, weight_bytes_.size()));
    VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    alloc.commandPool = commands_;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    VkCommandBuffer cmd;
    MOTA_VK_RETURN_IF_ERROR(api_.AllocateCommandBuffers(shared_->ctx->device(), &alloc, &cmd),
                            "vkAllocateCommandBuffers", "uploading weights");
    VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    MOTA_VK_RETURN_IF_ERROR(api_.BeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer",
                            "uploading weights");
    const VkBufferCopy copy{0, 0, weight_bytes_.size()};
    api_.CmdCopyBuffer(cmd, temp->buffer(), weights_->buffer(), 1, &copy);
    MOTA_VK_RETURN_IF_ERROR(api_.EndCommandBuffer(cmd), "vkEndCommandBuffer", "uploading weights");
    MOTA_RETURN_IF_ERROR(Submit(cmd, "uploading weights"));
  }
  weight_bytes_ = {};
  weight_bytes_.shrink_to_fit();
  return Status::Ok();
}

Status Exe::CreateDescriptors() {
  uint32_t sets = 0, buffers = 0;
  for (const Segment& seg : segments_) {
    for (const Dispatch& d : seg.dispatches) {
      ++sets;
      buffers += static_cast<uint32_t>(d.reads.size() + d.writes.size());
    }
  }
  if (sets == 0) return Status::Ok();
  VkDevice dev = shared_->ctx->device();
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, buffers};
  VkDescriptorPoolCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  info.maxSets = sets;
  info.poolSizeCount = 1;
  info.pPoolSizes = &size;
  MOTA_VK_RETURN_IF_ERROR(api_.CreateDescriptorPool(dev, &info, nullptr, &pool_),
                          "vkCreateDescriptorPool", StrCat("creating ", sets, " descriptor sets"));
  for (Segment& seg : segments_) {
    for (size_t i = 0; i < seg.dispatches.size(); ++i) {
      const Dispatch& d = seg.dispatches[i];
      VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
      alloc.descriptorPool = pool_;
      alloc.descriptorSetCount = 1;
      alloc.pSetLayouts = &seg.pipelines[i]->set_layout;
      VkDescriptorSet set;
      MOTA_VK_RETURN_IF_ERROR(api_.AllocateDescriptorSets(dev, &alloc, &set),
                              "vkAllocateDescriptorSets",
                              StrCat("binding shader '", d.shader, "'"));
      std::vector<VkDescriptorBufferInfo> infos;
      for (const auto* list : {&d.reads, &d.writes}) {
        for (const Region& r : *list) {
          infos.push_back({Buffer(r.buffer), r.offset, std::max<uint64_t>(r.size, 4)});
        }
      }
      std::vector<VkWriteDescriptorSet> writes(infos.size());
      for (size_t b = 0; b < infos.size(); ++b) {
        writes[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[b].dstSet = set;
        writes[b].dstBinding = static_cast<uint32_t>(b);
        writes[b].descriptorCount = 1;
        writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[b].pBufferInfo = &infos[b];
      }
      api_.UpdateDescriptorSets(dev, static_cast<uint32_t>(writes.size()), writes.data(), 0,
                                nullptr);
      seg.sets.push_back(set);
    }
  }
  return Status::Ok();
}

void Barrier(const Api& api, VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src,
             VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
  VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  b.srcAccessMask = src;
  b.dstAccessMask = dst;
  api.CmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &b, 0, nullptr, 0, nullptr);
}

bool AnyOverlap(const std::vector<Region>& a, const std::vector<Region>& b) {
  for (const Region& x : a) {
    for (const Region& y : b) {
      if (x.Overlaps(y)) return true;
    }
  }
  return false;
}

// Recorded once. A dispatch waits (one global memory barrier) only when it reads what an
// earlier unsynchronized dispatch wrote, or writes what one read or wrote: independent
// branches (squeezenet's expand convolutions) run without a barrier between them.
Status Exe::Record(Segment& seg) {
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = commands_;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  MOTA_VK_RETURN_IF_ERROR(api_.AllocateCommandBuffers(shared_->ctx->device(), &alloc, &seg.cmd),
                          "vkAllocateCommandBuffers", "recording a segment");
  VkCommandBuffer cmd = seg.cmd;
  profiling_ = shared_->profile && shared_->ctx->info().timestamps;
  timing_ = (shared_->profile || shared_->time_runs) && shared_->ctx->info().timestamps;
  seg.run_stamps = profiling_ ? static_cast<uint32_t>(seg.dispatches.size() + 1) : 0;
  const uint32_t timestamps = timing_ ? seg.run_stamps + 3 : 0;
  if (timing_) {
    VkQueryPoolCreateInfo info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = timestamps;
    MOTA_VK_RETURN_IF_ERROR(
        api_.CreateQueryPool(shared_->ctx->device(), &info, nullptr, &seg.queries),
        "vkCreateQueryPool", "preparing dispatch timestamps");
  }
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  MOTA_VK_RETURN_IF_ERROR(api_.BeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer",
                          "recording a segment");
  if (timing_) {
    api_.CmdResetQueryPool(cmd, seg.queries, 0, timestamps);
    api_.CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, seg.queries, seg.run_stamps);
  }
  // Direct I/O: the host's writes before vkQueueSubmit are visible to the device (submission
  // is a host-to-device memory dependency); only the final device-to-host barrier is needed.
  std::vector<VkBufferCopy> copies;
  for (const HostCopy& c : seg.uploads) {
    if (!stats_.direct_io) copies.push_back({c.staging, ArenaRegion(c.tensor).offset, c.size});
  }
  if (!copies.empty()) {
    api_.CmdCopyBuffer(cmd, staging_->buffer(), arena_->buffer(),
                       static_cast<uint32_t>(copies.size()), copies.data());
    Barrier(api_, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  }
  if (timing_) {
    api_.CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, seg.queries,
                           seg.run_stamps + 2);
  }
  std::vector<Region> pending_reads, pending_writes;
  if (profiling_) {
    api_.CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, seg.queries, 0);
  }
  for (size_t i = 0; i < seg.dispatches.size(); ++i) {
    const Dispatch& d = seg.dispatches[i];
    if (AnyOverlap(d.reads, pending_writes) || AnyOverlap(d.writes, pending_writes) ||
        AnyOverlap(d.writes, pending_reads)) {
      Barrier(api_, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
              VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
              VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      ++stats_.barriers;
      pending_reads.clear();
      pending_writes.clear();
    }
    for (const Region& r : d.reads) {
      if (r.buffer == BufferId::kArena) pending_reads.push_back(r);
    }
    for (const Region& r : d.writes) pending_writes.push_back(r);
    const Pipeline* p = seg.pipelines[i];
    api_.CmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipeline);
    api_.CmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &seg.sets[i],
                               0, nullptr);
    if (!d.push.empty()) {
      api_.CmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                            static_cast<uint32_t>(d.push.size()), d.push.data());
    }
    api_.CmdDispatch(cmd, d.groups[0], d.groups[1], d.groups[2]);
    if (profiling_) {
      // Completion time of everything so far: a dispatch's time is the step from the previous
      // stamp (exact where barriers serialize, approximate for overlapping branches).
      api_.CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, seg.queries,
                             static_cast<uint32_t>(i + 1));
    }
  }
  copies.clear();
  if (stats_.direct_io && !seg.downloads.empty()) {
    Barrier(api_, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  }
  for (const HostCopy& c : seg.downloads) {
    if (!stats_.direct_io) copies.push_back({ArenaRegion(c.tensor).offset, c.staging, c.size});
  }
  if (!copies.empty()) {
    Barrier(api_, cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    api_.CmdCopyBuffer(cmd, arena_->buffer(), staging_->buffer(),
                       static_cast<uint32_t>(copies.size()), copies.data());
    Barrier(api_, cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
  }
  if (timing_) {
    api_.CmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, seg.queries,
                           seg.run_stamps + 1);
  }
  MOTA_VK_RETURN_IF_ERROR(api_.EndCommandBuffer(cmd), "vkEndCommandBuffer", "recording a segment");
  return Status::Ok();
}

Status Exe::Submit(VkCommandBuffer cmd, const char* what) {
  VkDevice dev = shared_->ctx->device();
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  const Clock::time_point start = Clock::now();
  {
    std::lock_guard<std::mutex> lock(shared_->ctx->queue_mutex());
    if (lose_device_in >= 0 && lose_device_in-- == 0) {
      return VkError(VK_ERROR_DEVICE_LOST, "vkQueueSubmit", StrCat(what, " (injected failure)"));
    }
    MOTA_VK_RETURN_IF_ERROR(api_.QueueSubmit(shared_->ctx->queue(), 1, &submit, fence_),
                            "vkQueueSubmit", what);
  }
  in_flight_ = true;
  const Clock::time_point submitted = Clock::now();
  last_run_.submit_ms += Ms(start, submitted);
  MOTA_RETURN_IF_ERROR(WaitFence(what));
  in_flight_ = false;
  MOTA_VK_RETURN_IF_ERROR(api_.ResetFences(dev, 1, &fence_), "vkResetFences", what);
  last_run_.wait_ms += Ms(submitted, Clock::now());
  return Status::Ok();
}

// Polls for up to spin_wait_us (no sleep/wake-up latency), then blocks.
Status Exe::WaitFence(const char* what) {
  VkDevice dev = shared_->ctx->device();
  if (shared_->spin_wait_us > 0) {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::microseconds(shared_->spin_wait_us);
    do {
      const VkResult r = api_.GetFenceStatus(dev, fence_);
      if (r == VK_SUCCESS) return Status::Ok();
      if (r != VK_NOT_READY) return VkError(r, "vkGetFenceStatus", what);
    } while (std::chrono::steady_clock::now() < until);
  }
  MOTA_VK_RETURN_IF_ERROR(api_.WaitForFences(dev, 1, &fence_, VK_TRUE, kFenceTimeoutNs),
                          "vkWaitForFences", what);
  return Status::Ok();
}

// Adds the segment's GPU time to last_run_ and, when profiling, each dispatch's to profile_.
Status Exe::ReadTimestamps(const Segment& seg) {
  stamps_.resize(seg.run_stamps + 3);
  MOTA_VK_RETURN_IF_ERROR(
      api_.GetQueryPoolResults(shared_->ctx->device(), seg.queries, 0,
                               static_cast<uint32_t>(stamps_.size()),
                               stamps_.size() * sizeof(uint64_t), stamps_.data(), sizeof(uint64_t),
                               VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
      "vkGetQueryPoolResults", "reading GPU timestamps");
  const double ms_per_tick = shared_->ctx->info().timestamp_period_ns * 1e-6;
  const auto ms = [&](size_t from, size_t to) {
    return static_cast<double>(stamps_[to] - stamps_[from]) * ms_per_tick;
  };
  last_run_.gpu_ms = std::max(last_run_.gpu_ms, 0.0) + ms(seg.run_stamps, seg.run_stamps + 1);
  last_run_.gpu_upload_ms =
      std::max(last_run_.gpu_upload_ms, 0.0) + ms(seg.run_stamps, seg.run_stamps + 2);
  for (size_t i = 0; i + 1 < seg.run_stamps; ++i) {
    DispatchProfile& p = profile_[seg.first_profile + i];
    p.total_ms += ms(i, i + 1);
    ++p.runs;
  }
  return Status::Ok();
}

Status Exe::RunSegment(Segment& seg, std::span<const TensorView> inputs,
                       std::span<const TensorView> outputs) {
  uint8_t* arena = host_arena_.data();
  DeviceBuffer& io = stats_.direct_io ? *arena_ : *staging_;
  // Where a copy lives in `io`: its arena region (direct) or its staging slot.
  const auto at = [&](const HostCopy& c) {
    return io.mapped() + (stats_.direct_io ? ArenaRegion(c.tensor).offset : c.staging);
  };
  const Clock::time_point start = Clock::now();
  for (const HostCopy& c : seg.uploads) {
    ToDevice(c.tensor, plan_.View(c.tensor, arena, inputs, outputs).data, at(c), c.size);
  }
  MOTA_RETURN_IF_ERROR(io.Flush(0, io.size()));
  last_run_.upload_ms += Ms(start, Clock::now());
  MOTA_RETURN_IF_ERROR(Submit(
      seg.cmd,
      StrCat("running GPU segment from node '", graph_.nodes[seg.nodes[0]].name, "'").c_str()));
  const Clock::time_point done = Clock::now();
  MOTA_RETURN_IF_ERROR(io.Invalidate(0, io.size()));
  if (seg.queries != VK_NULL_HANDLE) MOTA_RETURN_IF_ERROR(ReadTimestamps(seg));
  for (const HostCopy& c : seg.downloads) {
    ToHost(c.tensor, at(c), plan_.View(c.tensor, arena, inputs, outputs).data, c.size);
  }
  last_run_.download_ms += Ms(done, Clock::now());
  return Status::Ok();
}

Status Exe::Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) {
  MOTA_RETURN_IF_ERROR(lost_);
  MOTA_RETURN_IF_ERROR(shared_->lost);
  MOTA_RETURN_IF_ERROR(CheckRunBindings(graph_, plan_, inputs, outputs));
  const Clock::time_point start = Clock::now();
  last_run_ = RunTiming{};
  for (const Step& step : steps_) {
    if (step.segment >= 0) {
      Status s = RunSegment(segments_[step.segment], inputs, outputs);
      if (!s.ok()) {
        // A failed submission leaves the device state unknown: refuse later runs too.
        if (s.code() == StatusCode::kUnavailable) {
          lost_ = s;
          if (shared_->lost.ok()) shared_->lost = s;  // the device, not only this plan
        }
        return s;
      }
      continue;
    }
    const model::Node& node = graph_.nodes[step.node];
    std::vector<TensorView> in, out;
    for (int32_t t : node.inputs) {
      in.push_back(t < 0 ? TensorView{} : plan_.View(t, host_arena_.data(), inputs, outputs));
    }
    for (int32_t t : node.outputs)
      out.push_back(plan_.View(t, host_arena_.data(), inputs, outputs));
    const Clock::time_point node_start = Clock::now();
    MOTA_RETURN_IF_ERROR(EvaluateNode(*plan_.ops[step.node], node, in, out, nullptr));
    last_run_.cpu_ms += Ms(node_start, Clock::now());
  }
  // Graph outputs no node writes (constants, inputs, prepare-time values, an output listed
  // twice) are copied, as the reference backend does.
  for (size_t i = 0; i < graph_.outputs.size(); ++i) {
    const TensorPlan& p = plan_.tensors[graph_.outputs[i]];
    if (p.storage == TensorPlan::Storage::kOutput && p.graph_output == static_cast<int32_t>(i)) {
      continue;
    }
    const TensorView src = plan_.View(graph_.outputs[i], host_arena_.data(), inputs, outputs);
    if (src.data != nullptr && src.data != outputs[i].data) {
      std::memcpy(outputs[i].data, src.data, outputs[i].nbytes());
    }
  }
  last_run_.total_ms = Ms(start, Clock::now());
  return Status::Ok();
}

}  // namespace

void LoseDeviceForTesting(int n) { lose_device_in = n; }

Result<std::unique_ptr<VulkanExecutable>> CreateVulkanExecutable(
    const model::Graph& graph, ExecutionPlan plan, std::shared_ptr<SharedState> shared,
    const Precision& precision) {
  auto exe = std::make_unique<Exe>(graph, std::move(plan), shared, precision);
  Status init = exe->Init();
  if (!init.ok() && !exe->missing_fp16().empty()) {
    // A shader without an fp16 variant (a new op): the whole plan in fp32, since the arena
    // holds one element type per tensor and every consumer must agree on it.
    const Precision fp32{false,
                         StrCat("fp32: fp16 was chosen (", precision.reason, ") but shader '",
                                exe->missing_fp16(), "' has no fp16 variant")};
    ExecutionPlan again = exe->TakePlan();
    exe.reset();
    exe = std::make_unique<Exe>(graph, std::move(again), std::move(shared), fp32);
    init = exe->Init();
  }
  MOTA_RETURN_IF_ERROR(init);
  return std::unique_ptr<VulkanExecutable>(std::move(exe));
}

}  // namespace mota::exec::vk
