#include "exec/vulkan/vk_pipelines.h"

#include <cstring>

#include "base/file.h"
#include "base/sha256.h"
#include "exec/vulkan/shader_set.h"

#ifndef MOTA_RUNTIME_VERSION
#define MOTA_RUNTIME_VERSION "unknown"
#endif

namespace mota::exec::vk {
namespace {

constexpr char kMagic[8] = {'M', 'O', 'T', 'A', 'V', 'K', 'P', 'C'};
constexpr uint32_t kFormatVersion = 1;
// magic, format, vendor, device, driver, uuid, runtime key, blob size, blob sha256
constexpr size_t kHeaderSize = 8 + 4 * 4 + VK_UUID_SIZE + 32 + 8 + 32;
// Vulkan's own cache header (VkPipelineCacheHeaderVersionOne): length, version, vendor, device,
// uuid.
constexpr size_t kVulkanHeaderSize = 16 + VK_UUID_SIZE;

void Put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void Put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint32_t Get32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t Get64(const uint8_t* p) { return uint64_t{Get32(p)} | uint64_t{Get32(p + 4)} << 32; }

int fail_pipeline_in = -1;  // FailPipelineCreationForTesting

}  // namespace

void FailPipelineCreationForTesting(int n) { fail_pipeline_in = n; }

const char* CacheLoadName(CacheLoad load) {
  switch (load) {
    case CacheLoad::kNoPath:
      return "none (no cache path)";
    case CacheLoad::kMissing:
      return "missing (cold)";
    case CacheLoad::kLoaded:
      return "loaded (warm)";
    case CacheLoad::kRejected:
      return "rejected";
  }
  return "?";
}

std::array<uint8_t, 32> RuntimeKey() {
  std::vector<uint8_t> bytes(MOTA_RUNTIME_VERSION,
                             MOTA_RUNTIME_VERSION + std::strlen(MOTA_RUNTIME_VERSION));
  for (const ShaderBinary& s : AllShaders()) {
    bytes.insert(bytes.end(), s.name, s.name + std::strlen(s.name) + 1);
    const auto* w = reinterpret_cast<const uint8_t*>(s.words);
    bytes.insert(bytes.end(), w, w + s.size * sizeof(uint32_t));
  }
  return Sha256(bytes);
}

std::vector<uint8_t> PipelineManager::Header(std::span<const uint8_t> blob) const {
  const DeviceInfo& d = ctx_->info();
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  Put32(out, kFormatVersion);
  Put32(out, d.vendor_id);
  Put32(out, d.device_id);
  Put32(out, d.driver_version);
  out.insert(out.end(), d.pipeline_cache_uuid, d.pipeline_cache_uuid + VK_UUID_SIZE);
  const auto key = RuntimeKey();
  out.insert(out.end(), key.begin(), key.end());
  Put64(out, blob.size());
  const auto digest = Sha256(blob);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

std::vector<uint8_t> PipelineManager::ReadCacheFile() {
  auto file = ReadFile(path_);
  if (!file.ok()) {
    load_ = CacheLoad::kMissing;
    return {};
  }
  load_ = CacheLoad::kRejected;
  const std::vector<uint8_t>& bytes = *file;
  if (bytes.size() < kHeaderSize) {
    rejection_ =
        StrCat(path_, ": ", bytes.size(), " bytes, shorter than the ", kHeaderSize, "-byte header");
    return {};
  }
  const uint64_t blob_size = Get64(bytes.data() + kHeaderSize - 40);
  if (blob_size != bytes.size() - kHeaderSize || blob_size < kVulkanHeaderSize) {
    rejection_ = StrCat(path_, ": header says ", blob_size, " blob bytes, file holds ",
                        bytes.size() - kHeaderSize);
    return {};
  }
  std::span<const uint8_t> blob(bytes.data() + kHeaderSize, blob_size);
  const std::vector<uint8_t> expected = Header(blob);
  if (std::memcmp(bytes.data(), expected.data(), kHeaderSize) != 0) {
    // Which part differs, for the message.
    const char* part = std::memcmp(bytes.data(), kMagic, 8) != 0 ? "magic"
                       : std::memcmp(bytes.data() + 8, expected.data() + 8, 4) != 0
                           ? "format version"
                       : std::memcmp(bytes.data() + 12, expected.data() + 12, 28) != 0
                           ? "device, driver or pipeline-cache UUID"
                       : std::memcmp(bytes.data() + 40, expected.data() + 40, 32) != 0
                           ? "runtime version or shaders"
                           : "blob checksum";
    rejection_ = StrCat(path_, ": ", part, " does not match this device and runtime");
    return {};
  }
  // The driver's own header must name this device too (defence against a driver bug).
  const DeviceInfo& d = ctx_->info();
  if (Get32(blob.data()) < kVulkanHeaderSize ||
      Get32(blob.data() + 4) != VK_PIPELINE_CACHE_HEADER_VERSION_ONE ||
      Get32(blob.data() + 8) != d.vendor_id || Get32(blob.data() + 12) != d.device_id ||
      std::memcmp(blob.data() + 16, d.pipeline_cache_uuid, VK_UUID_SIZE) != 0) {
    rejection_ = StrCat(path_, ": the Vulkan cache header does not match device '", d.name, "'");
    return {};
  }
  load_ = CacheLoad::kLoaded;
  return std::vector<uint8_t>(blob.begin(), blob.end());
}

Result<std::unique_ptr<PipelineManager>> PipelineManager::Create(std::shared_ptr<Context> ctx,
                                                                 std::string cache_path) {
  std::unique_ptr<PipelineManager> m(new PipelineManager(std::move(ctx)));
  m->path_ = std::move(cache_path);
  std::vector<uint8_t> blob;
  if (!m->path_.empty()) blob = m->ReadCacheFile();
  VkPipelineCacheCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  info.initialDataSize = blob.size();
  info.pInitialData = blob.empty() ? nullptr : blob.data();
  const Api& api = m->ctx_->api();
  VkResult r = api.CreatePipelineCache(m->ctx_->device(), &info, nullptr, &m->cache_);
  if (r != VK_SUCCESS && !blob.empty()) {
    // The driver refused data we validated: start empty rather than fail.
    m->load_ = CacheLoad::kRejected;
    m->rejection_ = StrCat(m->path_, ": the driver refused the cache (", VkResultName(r), ")");
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    r = api.CreatePipelineCache(m->ctx_->device(), &info, nullptr, &m->cache_);
  }
  if (r != VK_SUCCESS) {
    m->cache_ = VK_NULL_HANDLE;
    return VkError(r, "vkCreatePipelineCache", "creating the pipeline cache");
  }
  return m;
}

PipelineManager::~PipelineManager() {
  const Api& api = ctx_->api();
  VkDevice dev = ctx_->device();
  for (auto& [key, p] : pipelines_) {
    api.DestroyPipeline(dev, p.pipeline, nullptr);
    api.DestroyPipelineLayout(dev, p.layout, nullptr);
    api.DestroyDescriptorSetLayout(dev, p.set_layout, nullptr);
  }
  if (cache_ != VK_NULL_HANDLE) api.DestroyPipelineCache(dev, cache_, nullptr);
}

Result<const Pipeline*> PipelineManager::Get(const PipelineKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pipelines_.find(key);
  if (it != pipelines_.end()) return &it->second;
  MOTA_ASSIGN_OR_RETURN(Pipeline p, Create(key));
  ++created_;
  dirty_ = true;
  return &pipelines_.emplace(key, p).first->second;
}

Result<Pipeline> PipelineManager::Create(const PipelineKey& key) {
  const ShaderBinary* shader = FindShader(key.shader);
  if (shader == nullptr) return Internal("no embedded shader named '", key.shader, "'");
  if (key.push_bytes > ctx_->info().max_push_constants) {
    return Unavailable("shader '", key.shader, "' needs ", key.push_bytes,
                       " bytes of push constants; the device allows ",
                       ctx_->info().max_push_constants);
  }
  const Api& api = ctx_->api();
  VkDevice dev = ctx_->device();
  const std::string what = StrCat("creating the pipeline of shader '", key.shader, "'");
  Pipeline p;
  p.buffers = key.buffers;
  p.push_bytes = key.push_bytes;
  std::vector<VkDescriptorSetLayoutBinding> bindings(key.buffers);
  for (uint32_t i = 0; i < key.buffers; ++i) {
    bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = key.buffers;
  set_info.pBindings = bindings.data();
  MOTA_VK_RETURN_IF_ERROR(api.CreateDescriptorSetLayout(dev, &set_info, nullptr, &p.set_layout),
                          "vkCreateDescriptorSetLayout", what);
  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, key.push_bytes};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &p.set_layout;
  layout_info.pushConstantRangeCount = key.push_bytes > 0 ? 1 : 0;
  layout_info.pPushConstantRanges = &range;
  VkResult r = api.CreatePipelineLayout(dev, &layout_info, nullptr, &p.layout);
  if (r != VK_SUCCESS) {
    api.DestroyDescriptorSetLayout(dev, p.set_layout, nullptr);
    return VkError(r, "vkCreatePipelineLayout", what);
  }
  VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  module_info.codeSize = shader->size * sizeof(uint32_t);
  module_info.pCode = shader->words;
  VkShaderModule module = VK_NULL_HANDLE;
  r = api.CreateShaderModule(dev, &module_info, nullptr, &module);
  if (r == VK_SUCCESS) {
    std::vector<VkSpecializationMapEntry> entries(key.spec.size());
    for (uint32_t i = 0; i < key.spec.size(); ++i) {
      entries[i] = {i, i * static_cast<uint32_t>(sizeof(uint32_t)), sizeof(uint32_t)};
    }
    VkSpecializationInfo spec{static_cast<uint32_t>(entries.size()), entries.data(),
                              key.spec.size() * sizeof(uint32_t), key.spec.data()};
    VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = key.spec.empty() ? nullptr : &spec;
    info.layout = p.layout;
    r = fail_pipeline_in >= 0 && fail_pipeline_in-- == 0
            ? VK_ERROR_INVALID_SHADER_NV  // injected: what a driver rejecting a module returns
            : api.CreateComputePipelines(dev, cache_, 1, &info, nullptr, &p.pipeline);
    api.DestroyShaderModule(dev, module, nullptr);
  }
  if (r != VK_SUCCESS) {
    api.DestroyPipelineLayout(dev, p.layout, nullptr);
    api.DestroyDescriptorSetLayout(dev, p.set_layout, nullptr);
    Status s = VkError(r, "vkCreateComputePipelines", what);
    // A driver that rejects a valid module (a compiler bug, an unsupported feature) is not a
    // bug in mota: UNAVAILABLE sends the caller to a CPU backend.
    if (s.code() == StatusCode::kInternal) s = Unavailable(s.message(), "; use a CPU backend");
    return s;
  }
  return p;
}

Status PipelineManager::Save() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (path_.empty() || !dirty_) return Status::Ok();
  const Api& api = ctx_->api();
  size_t size = 0;
  MOTA_VK_RETURN_IF_ERROR(api.GetPipelineCacheData(ctx_->device(), cache_, &size, nullptr),
                          "vkGetPipelineCacheData", "sizing the pipeline cache");
  std::vector<uint8_t> blob(size);
  MOTA_VK_RETURN_IF_ERROR(api.GetPipelineCacheData(ctx_->device(), cache_, &size, blob.data()),
                          "vkGetPipelineCacheData", "reading the pipeline cache");
  blob.resize(size);
  std::vector<uint8_t> file = Header(blob);
  file.insert(file.end(), blob.begin(), blob.end());
  MOTA_RETURN_IF_ERROR(WriteFileAtomic(path_, file));
  dirty_ = false;
  return Status::Ok();
}

}  // namespace mota::exec::vk
