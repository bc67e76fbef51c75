// Compute pipelines from the embedded SPIR-V (shader_set.h), created once per (shader,
// specialization constants, layout) and shared by a backend's executables, and a
// VkPipelineCache persisted to a file so that a later process skips the driver's compilation.
//
// Cache file: a mota header, then the driver's cache blob:
//   magic "MOTAVKPC", u32 format version, u32 vendor id, u32 device id, u32 driver version,
//   16-byte pipelineCacheUUID, 32-byte runtime key (SHA-256 of the runtime version and every
//   embedded shader), u64 blob size, 32-byte SHA-256 of the blob.
// On load every field is checked, and the blob's own Vulkan header (vendor, device, UUID) too:
// a truncated, corrupt or foreign file (another GPU, driver or mota build) is ignored and
// replaced on the next save, never handed to the driver (drivers crash on bad caches).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "exec/vulkan/vk_context.h"

namespace mota::exec::vk {

struct PipelineKey {
  std::string shader;          // shader_set.h name
  std::vector<uint32_t> spec;  // specialization constants 0..n-1 (ids 0-2: workgroup size)
  uint32_t buffers = 0;        // storage buffer bindings 0..buffers-1
  uint32_t push_bytes = 0;     // push constant block size

  bool operator<(const PipelineKey& o) const {
    return std::tie(shader, spec, buffers, push_bytes) <
           std::tie(o.shader, o.spec, o.buffers, o.push_bytes);
  }
};

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  uint32_t buffers = 0;
  uint32_t push_bytes = 0;
};

// What happened to the cache file when the manager was created.
enum class CacheLoad : uint8_t { kNoPath, kMissing, kLoaded, kRejected };
const char* CacheLoadName(CacheLoad load);

class PipelineManager {
 public:
  // `cache_path` empty: an in-memory cache only.
  static Result<std::unique_ptr<PipelineManager>> Create(std::shared_ptr<Context> ctx,
                                                         std::string cache_path);
  ~PipelineManager();

  // Thread-safe. The pipeline lives as long as the manager.
  Result<const Pipeline*> Get(const PipelineKey& key);
  // Writes the cache file (atomically) when pipelines were created since the last save.
  Status Save();

  CacheLoad cache_load() const { return load_; }
  // Why a cache file was rejected (empty otherwise).
  const std::string& cache_rejection() const { return rejection_; }
  // Pipelines this manager created (each goes through the VkPipelineCache).
  int created() const { return created_; }

  // The header bytes a cache file for this device and runtime starts with (tests).
  std::vector<uint8_t> Header(std::span<const uint8_t> blob) const;

 private:
  explicit PipelineManager(std::shared_ptr<Context> ctx) : ctx_(std::move(ctx)) {}
  // The validated driver blob of the file, or empty (and load_/rejection_ set).
  std::vector<uint8_t> ReadCacheFile();
  Result<Pipeline> Create(const PipelineKey& key);

  std::shared_ptr<Context> ctx_;
  std::string path_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  CacheLoad load_ = CacheLoad::kNoPath;
  std::string rejection_;
  std::mutex mutex_;
  std::map<PipelineKey, Pipeline> pipelines_;
  int created_ = 0;
  bool dirty_ = false;
};

// SHA-256 of the runtime version and every embedded SPIR-V word: a cache made by another build
// is never trusted.
std::array<uint8_t, 32> RuntimeKey();

// Test hook (pipeline-failure injection): the n-th following pipeline creation (0: the next)
// fails as a driver rejecting the module would (VK_ERROR_INVALID_SHADER_NV -> UNAVAILABLE); -1
// turns it off. Pipelines already made are shared, so only a new pipeline key can fail.
void FailPipelineCreationForTesting(int n);

}  // namespace mota::exec::vk
