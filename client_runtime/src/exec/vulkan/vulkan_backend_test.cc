// The Vulkan backend's machinery: partitioning into GPU segments and CPU steps, replaying the
// recorded command buffers, barriers, the persistent pipeline cache (warm, corrupt, foreign,
// truncated), device selection errors, tuning parameters and the arena planner.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "exec/vulkan/vk_memory.h"
#include "exec/vulkan/vk_tuning.h"
#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

// Builds small multi-node graphs by tensor name.
class GraphBuilder {
 public:
  void Input(const std::string& name, const Shape& shape) {
    model::TensorInfo info;
    info.name = name;
    info.dtype = DType::kF32;
    info.has_shape = true;
    for (int64_t d : shape) info.dims.push_back({d, {}});
    g_.inputs.push_back(g_.AddTensor(std::move(info)));
  }
  void Constant(const std::string& name, const HostTensor& t) {
    g_.AddConstant(name, t.dtype(), t.shape(),
                   std::vector<uint8_t>(t.data(), t.data() + t.nbytes()));
  }
  void Node(const std::string& op, const std::vector<std::string>& in, const std::string& out,
            model::Attributes attrs = {}) {
    model::Node n;
    n.name = out;
    n.op_type = op;
    n.attrs = std::move(attrs);
    for (const std::string& i : in) n.inputs.push_back(g_.FindTensor(i));
    model::TensorInfo info;
    info.name = out;
    n.outputs.push_back(g_.AddTensor(std::move(info)));
    g_.nodes.push_back(std::move(n));
  }
  void Output(const std::string& name) { g_.outputs.push_back(g_.FindTensor(name)); }
  const model::Graph& graph() const { return g_; }

 private:
  model::Graph g_;
};

model::Attributes Pads1() {
  model::Attributes a;
  a.SetInts("pads", {1, 1, 1, 1});
  return a;
}

// x -> Conv -> c -> Cos (no Vulkan op: CPU) -> e; Add(e, c) -> Relu -> y. Outputs y and c.
model::Graph MixedGraph() {
  static const GraphBuilder b = [] {
    GraphBuilder b;
    b.Input("x", {1, 4, 6, 6});
    b.Constant("w", RandomF32({4, 4, 3, 3}, 100));
    b.Node("Conv", {"x", "w"}, "c", Pads1());
    b.Node("Cos", {"c"}, "e");
    b.Node("Add", {"e", "c"}, "s");
    b.Node("Relu", {"s"}, "y");
    b.Output("y");
    b.Output("c");
    return b;
  }();
  return b.graph();
}

void ExpectEqualBits(const HostTensor& a, const HostTensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0);
}

void ExpectMatchesReference(const model::Graph& g, const std::vector<TensorView>& feeds,
                            const std::vector<HostTensor>& got) {
  auto reference = CreateBackend("reference", {});
  ASSERT_TRUE(reference.ok());
  auto want = RunGraph(**reference, g, feeds);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  ASSERT_EQ(got.size(), want->outputs.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_LE(WorstRatio(got[i], want->outputs[i], 1e-5, 1e-4), 1.0) << "output " << i;
  }
}

TEST(VulkanBackend, nodes_without_a_vulkan_op_run_on_the_cpu_between_two_segments) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = MixedGraph();
  const HostTensor x = RandomF32({1, 4, 6, 6}, 101);
  auto got = RunGraph(SharedBackend(), g, {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const VulkanStats& s = got->stats;
  EXPECT_EQ(s.gpu_nodes, 3);
  EXPECT_EQ(s.cpu_nodes, 1);
  ASSERT_EQ(s.cpu_reasons.size(), 1u);
  EXPECT_NE(s.cpu_reasons[0].find("Cos"), std::string::npos) << s.cpu_reasons[0];
  EXPECT_EQ(s.segments, 2);
  // x up before segment 1; c down after it (Cos and the caller read it); e up before segment 2
  // (c stays on the device); y down.
  EXPECT_EQ(s.uploads, 2);
  EXPECT_EQ(s.downloads, 2);
  ExpectMatchesReference(g, {x.view()}, got->outputs);
}

TEST(VulkanBackend, staged_and_direct_io_give_the_same_outputs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.cache_path = "none";
  options.force_staging = true;
  auto staged_backend = CreateVulkanBackend({}, options);
  ASSERT_TRUE(staged_backend->status().ok()) << staged_backend->status().ToString();
  const HostTensor x = RandomF32({1, 4, 6, 6}, 104);
  auto staged = RunGraph(*staged_backend, MixedGraph(), {x.view()});
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_FALSE(staged->stats.direct_io);
  EXPECT_GT(staged->stats.staging_bytes, 0u);
  auto direct = RunGraph(SharedBackend(), MixedGraph(), {x.view()});
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  // Whichever path this device takes by default, both must agree bit for bit.
  ASSERT_EQ(direct->outputs.size(), staged->outputs.size());
  for (size_t i = 0; i < direct->outputs.size(); ++i) {
    ExpectEqualBits(direct->outputs[i], staged->outputs[i]);
  }
  ExpectMatchesReference(MixedGraph(), {x.view()}, staged->outputs);
}

TEST(VulkanBackend, run_timing_accounts_for_every_phase_of_the_run) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.cache_path = "none";
  options.time_runs = true;
  auto backend = CreateVulkanBackend({}, options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  const HostTensor x = RandomF32({1, 4, 6, 6}, 105);
  auto got = RunGraph(*backend, MixedGraph(), {x.view()});  // two GPU segments around a CPU Cos
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const RunTiming& t = got->timing;
  for (double phase : {t.upload_ms, t.submit_ms, t.wait_ms, t.download_ms, t.cpu_ms}) {
    EXPECT_GE(phase, 0);
  }
  EXPECT_GT(t.wait_ms, 0);  // lavapipe computes on the CPU: the wait can't be instant
  EXPECT_GT(t.cpu_ms, 0);
  const double phases = t.upload_ms + t.submit_ms + t.wait_ms + t.download_ms + t.cpu_ms;
  EXPECT_LE(phases, t.total_ms);
  if (SharedBackend().device().timestamps) {
    EXPECT_GT(t.gpu_ms, 0);
    EXPECT_LE(t.gpu_ms, t.total_ms * 1.01 + 0.01) << "the GPU clock is another clock: 1% + 10 us";
    EXPECT_GE(t.gpu_upload_ms, 0);
    EXPECT_LE(t.gpu_upload_ms, t.gpu_ms);
  } else {
    EXPECT_EQ(t.gpu_ms, -1);
    EXPECT_EQ(t.gpu_upload_ms, -1);
  }
  // Without time_runs there is no GPU time, but the host phases are still measured.
  auto plain = RunGraph(SharedBackend(), MixedGraph(), {x.view()});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_GT(plain->timing.total_ms, 0);
  if (std::getenv("MOTA_VULKAN_PROFILE") == nullptr) {
    EXPECT_EQ(plain->timing.gpu_ms, -1);
  }
}

TEST(VulkanBackend, replaying_the_recorded_command_buffers_gives_identical_outputs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = MixedGraph();
  auto exe = SharedBackend().Prepare(g, std::vector<Shape>{{1, 4, 6, 6}}, {});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  auto run = [&](const HostTensor& x) {
    std::vector<HostTensor> outs;
    std::vector<TensorView> views;
    for (size_t i = 0; i < (*exe)->output_shapes().size(); ++i) {
      outs.push_back(HostTensor::Allocate(DType::kF32, (*exe)->output_shapes()[i]));
      views.push_back(outs.back().view());
    }
    const TensorView in = x.view();
    const Status s = (*exe)->Run({&in, 1}, views);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return outs;
  };
  const HostTensor x = RandomF32({1, 4, 6, 6}, 102);
  const std::vector<HostTensor> first = run(x);
  for (int i = 0; i < 25; ++i) {
    const std::vector<HostTensor> again = run(x);
    for (size_t o = 0; o < first.size(); ++o) ExpectEqualBits(again[o], first[o]);
  }
  // New input values flow through the same recorded uploads.
  const HostTensor x2 = RandomF32({1, 4, 6, 6}, 103);
  ExpectMatchesReference(g, {x2.view()}, run(x2));
}

TEST(VulkanBackend, profiling_times_every_dispatch_of_every_run) {
  MOTA_SKIP_WITHOUT_VULKAN();
  if (!SharedBackend().device().timestamps) GTEST_SKIP() << "the device has no timestamps";
  VulkanOptions options;
  options.cache_path = "none";
  options.profile = true;
  auto backend = CreateVulkanBackend({}, options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  const model::Graph g = MixedGraph();  // must outlive the executables
  auto exe = backend->Prepare(g, std::vector<Shape>{{1, 4, 6, 6}}, {});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  const HostTensor x = RandomF32({1, 4, 6, 6}, 105);
  std::vector<HostTensor> outs;
  std::vector<TensorView> views;
  for (const Shape& s : (*exe)->output_shapes()) {
    outs.push_back(HostTensor::Allocate(DType::kF32, s));
    views.push_back(outs.back().view());
  }
  const TensorView in = x.view();
  for (int run = 0; run < 3; ++run) ASSERT_TRUE((*exe)->Run({&in, 1}, views).ok());
  const auto& exe_vk = static_cast<VulkanExecutable&>(**exe);
  const std::vector<DispatchProfile>& profile = exe_vk.profile();
  ASSERT_EQ(profile.size(), static_cast<size_t>(exe_vk.stats().dispatches));
  // Conv (segment 1), then Add and Relu (segment 2).
  EXPECT_EQ(profile[0].node, "c");
  EXPECT_EQ(profile[0].shader, "conv_gemm");
  EXPECT_EQ(profile.back().node, "y");
  for (const DispatchProfile& p : profile) {
    EXPECT_EQ(p.runs, 3) << p.node;
    EXPECT_GE(p.total_ms, 0.0) << p.node;
  }
  // Without profiling there is nothing to report.
  auto plain = SharedBackend().Prepare(g, std::vector<Shape>{{1, 4, 6, 6}}, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(static_cast<VulkanExecutable&>(**plain).profile().empty());
}

TEST(VulkanBackend, independent_branches_share_no_barrier) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // A squeezenet "fire" module: two convolutions of the same input, then Concat.
  GraphBuilder b;
  // e1 is 8 x 4 x 4 floats = 512 bytes: e3's slice starts at a descriptor-aligned offset.
  b.Input("x", {1, 8, 4, 4});
  b.Constant("w1", RandomF32({8, 8, 1, 1}, 110));
  b.Constant("w3", RandomF32({6, 8, 3, 3}, 111));
  b.Node("Conv", {"x", "w1"}, "e1");
  b.Node("Conv", {"x", "w3"}, "e3", Pads1());
  model::Attributes axis;
  axis.SetInt("axis", 1);
  b.Node("Concat", {"e1", "e3"}, "y", axis);
  b.Output("y");
  const HostTensor x = RandomF32({1, 8, 4, 4}, 112);
  auto got = RunGraph(SharedBackend(), b.graph(), {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  // The convolutions write straight into their slices of the Concat's output: two dispatches,
  // no copies, and no barrier between the independent branches.
  EXPECT_EQ(got->stats.in_place_concats, 1);
  EXPECT_EQ(got->stats.dispatches, 2);
  EXPECT_EQ(got->stats.barriers, 0);
  ExpectMatchesReference(b.graph(), {x.view()}, got->outputs);
}

TEST(VulkanBackend, concat_of_batched_tensors_copies_and_orders_its_copies) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // With N = 2 the inputs are not contiguous slices of the output: one copy per input, each
  // after a barrier (the first waits for the convolutions, the second writes the same buffer).
  GraphBuilder b;
  b.Input("x", {2, 8, 5, 5});
  b.Constant("w1", RandomF32({6, 8, 1, 1}, 113));
  b.Constant("w3", RandomF32({6, 8, 3, 3}, 114));
  b.Node("Conv", {"x", "w1"}, "e1");
  b.Node("Conv", {"x", "w3"}, "e3", Pads1());
  model::Attributes axis;
  axis.SetInt("axis", 1);
  b.Node("Concat", {"e1", "e3"}, "y", axis);
  b.Output("y");
  const HostTensor x = RandomF32({2, 8, 5, 5}, 115);
  auto got = RunGraph(SharedBackend(), b.graph(), {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.in_place_concats, 0);
  EXPECT_EQ(got->stats.dispatches, 4);
  EXPECT_EQ(got->stats.barriers, 2);
  ExpectMatchesReference(b.graph(), {x.view()}, got->outputs);
}

model::Attributes Act(const std::string& kind) {
  model::Attributes a;
  a.SetString("activation", kind);
  return a;
}

TEST(VulkanBackend, a_residual_add_is_fused_into_the_convolution_before_it) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // y = relu(relu(conv(x)) + x): one dispatch; the conv applies both activations around the add.
  GraphBuilder b;
  b.Input("x", {1, 8, 6, 6});
  b.Constant("w", RandomF32({8, 8, 3, 3}, 140));
  model::Attributes conv = Pads1();
  conv.SetString("activation", "Relu");
  b.Node("Conv", {"x", "w"}, "c", conv);
  b.Node("Add", {"c", "x"}, "y", Act("Relu"));
  b.Output("y");
  const HostTensor x = RandomF32({1, 8, 6, 6}, 141);
  auto got = RunGraph(SharedBackend(), b.graph(), {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.fused_adds, 1);
  EXPECT_EQ(got->stats.dispatches, 1);
  ExpectMatchesReference(b.graph(), {x.view()}, got->outputs);
}

TEST(VulkanBackend, a_residual_is_fused_only_where_it_exists_and_is_not_needed_elsewhere) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // Add(c1, c2): c2 does not exist when conv 1 runs, so the add goes into conv 2, reading c1.
  // Add(c3, c1): c3 is also a graph output (needed as is) and c1 was made by a conv whose
  // output has two readers, so the second Add stays a dispatch of its own.
  GraphBuilder b;
  b.Input("x", {1, 4, 5, 5});
  b.Constant("w1", RandomF32({4, 4, 1, 1}, 142));
  b.Constant("w2", RandomF32({4, 4, 3, 3}, 143));
  b.Constant("w3", RandomF32({4, 4, 1, 1}, 144));
  b.Node("Conv", {"x", "w1"}, "c1");
  b.Node("Conv", {"x", "w2"}, "c2", Pads1());
  b.Node("Add", {"c1", "c2"}, "s");
  b.Node("Conv", {"s", "w3"}, "c3");
  b.Node("Add", {"c3", "c1"}, "y");
  b.Output("y");
  b.Output("c3");
  const HostTensor x = RandomF32({1, 4, 5, 5}, 145);
  auto got = RunGraph(SharedBackend(), b.graph(), {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.fused_adds, 1);
  EXPECT_EQ(got->stats.dispatches, 4);
  ExpectMatchesReference(b.graph(), {x.view()}, got->outputs);
}

TEST(VulkanBackend, out_of_device_memory_at_any_allocation_is_a_clean_error) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = MixedGraph();
  // Prepare allocates the arena, the weights and the staging buffer: fail each in turn.
  for (int n = 0; n < 3; ++n) {
    FailDeviceAllocationForTesting(n);
    auto exe = SharedBackend().Prepare(g, std::vector<Shape>{{1, 4, 6, 6}}, {});
    FailDeviceAllocationForTesting(-1);
    EXPECT_EQ(exe.status().code(), StatusCode::kOutOfMemory)
        << n << ": " << exe.status().ToString();
    EXPECT_NE(exe.status().message().find("VK_ERROR_OUT_OF_DEVICE_MEMORY"), std::string::npos);
  }
  // Nothing leaked or broke: the next Prepare works.
  const HostTensor x = RandomF32({1, 4, 6, 6}, 150);
  auto got = RunGraph(SharedBackend(), g, {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectMatchesReference(g, {x.view()}, got->outputs);
}

// ---- pipeline cache ---------------------------------------------------------------------------

class PipelineCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mota_vk_cache_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/pipelines.cache";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<VulkanBackend> Backend() {
    VulkanOptions options;
    options.cache_path = path_;
    return CreateVulkanBackend({}, options);
  }
  // Runs the mixed graph on a fresh backend over the cache file.
  std::vector<HostTensor> RunFresh(std::string* report, int* created) {
    auto backend = Backend();
    EXPECT_TRUE(backend->status().ok()) << backend->status().ToString();
    *report = backend->cache_report();
    const HostTensor x = RandomF32({1, 4, 6, 6}, 120);
    auto got = RunGraph(*backend, MixedGraph(), {x.view()});
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    *created = backend->pipelines_created();
    return got.ok() ? std::move(got->outputs) : std::vector<HostTensor>{};
  }
  std::vector<uint8_t> ReadCache() {
    std::ifstream f(path_, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
  }
  void WriteCache(const std::vector<uint8_t>& bytes) {
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  }
  // A cold run that writes the cache; returns its outputs.
  std::vector<HostTensor> Cold() {
    std::string report;
    int created = 0;
    auto outs = RunFresh(&report, &created);
    EXPECT_EQ(report.rfind("missing", 0), 0u) << report;
    EXPECT_GT(created, 0);
    EXPECT_TRUE(std::filesystem::exists(path_));
    return outs;
  }
  // A run over a damaged cache: rejected with `why`, and still correct.
  void ExpectRejected(const std::vector<HostTensor>& cold, const std::string& why) {
    std::string report;
    int created = 0;
    auto outs = RunFresh(&report, &created);
    EXPECT_EQ(report.rfind("rejected", 0), 0u) << report;
    EXPECT_NE(report.find(why), std::string::npos) << report;
    ASSERT_EQ(outs.size(), cold.size());
    for (size_t i = 0; i < outs.size(); ++i) ExpectEqualBits(outs[i], cold[i]);
    // The next save replaced the bad file with a good one.
    std::string next;
    RunFresh(&next, &created);
    EXPECT_EQ(next.rfind("loaded", 0), 0u) << next;
  }

  std::string dir_, path_;
};

TEST_F(PipelineCacheTest, a_warm_cache_file_is_loaded_and_gives_the_same_outputs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto cold = Cold();
  std::string report;
  int created = 0;
  const auto warm = RunFresh(&report, &created);
  EXPECT_EQ(report, "loaded (warm)");
  ASSERT_EQ(warm.size(), cold.size());
  for (size_t i = 0; i < warm.size(); ++i) ExpectEqualBits(warm[i], cold[i]);
}

TEST_F(PipelineCacheTest, a_corrupt_cache_blob_is_ignored) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto cold = Cold();
  std::vector<uint8_t> bytes = ReadCache();
  bytes.back() ^= 0x5A;
  WriteCache(bytes);
  ExpectRejected(cold, "blob checksum");
}

TEST_F(PipelineCacheTest, a_cache_from_another_device_is_ignored) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto cold = Cold();
  std::vector<uint8_t> bytes = ReadCache();
  bytes[16] ^= 0xFF;  // the device id (magic 8, format 4, vendor 4)
  WriteCache(bytes);
  ExpectRejected(cold, "device, driver or pipeline-cache UUID");
}

TEST_F(PipelineCacheTest, a_cache_from_another_mota_build_is_ignored) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto cold = Cold();
  std::vector<uint8_t> bytes = ReadCache();
  bytes[8 + 16 + VK_UUID_SIZE] ^= 1;  // the runtime key
  WriteCache(bytes);
  ExpectRejected(cold, "runtime version or shaders");
}

TEST_F(PipelineCacheTest, a_truncated_or_foreign_file_is_ignored) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto cold = Cold();
  std::vector<uint8_t> bytes = ReadCache();
  WriteCache(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 40));
  ExpectRejected(cold, "shorter than");
  bytes = ReadCache();
  std::memcpy(bytes.data(), "NOTMOTA!", 8);
  WriteCache(bytes);
  ExpectRejected(cold, "magic");
}

// ---- device selection --------------------------------------------------------------------------

TEST(VulkanDevice, an_unknown_device_name_is_not_found_and_the_message_lists_devices) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.context.device = "no-such-gpu";
  options.cache_path = "none";
  auto backend = CreateVulkanBackend({}, options);
  EXPECT_EQ(backend->status().code(), StatusCode::kNotFound);
  EXPECT_NE(backend->status().message().find(SharedBackend().device().name), std::string::npos)
      << backend->status().ToString();
  auto exe = backend->Prepare(MixedGraph(), std::vector<Shape>{{1, 4, 6, 6}}, {});
  EXPECT_EQ(exe.status().code(), StatusCode::kNotFound);
}

TEST(VulkanDevice, no_vulkan_driver_is_unavailable_so_the_caller_can_use_the_cpu) {
  // Point the loader at a driver list with nothing in it (works with or without a device).
  setenv("VK_ICD_FILENAMES", "/nonexistent/mota_no_driver.json", 1);
  setenv("VK_DRIVER_FILES", "/nonexistent/mota_no_driver.json", 1);
  VulkanOptions options;
  options.cache_path = "none";
  auto backend = CreateVulkanBackend({}, options);
  unsetenv("VK_ICD_FILENAMES");
  unsetenv("VK_DRIVER_FILES");
  EXPECT_EQ(backend->status().code(), StatusCode::kUnavailable) << backend->status().ToString();
  EXPECT_FALSE(backend->Supports(MixedGraph(), MixedGraph().nodes[0]));
  auto exe = backend->Prepare(MixedGraph(), std::vector<Shape>{{1, 4, 6, 6}}, {});
  EXPECT_EQ(exe.status().code(), StatusCode::kUnavailable);
}

// ---- tuning ------------------------------------------------------------------------------------

DeviceInfo BigDevice(uint32_t vendor) {
  DeviceInfo d;
  d.vendor_id = vendor;
  d.max_workgroup_invocations = 1024;
  d.max_workgroup_size[0] = 1024;
  d.max_shared_memory = 49152;
  return d;
}

TEST(VulkanTuning, defaults_come_from_the_vendor_table_clamped_to_the_device) {
  EXPECT_EQ(DefaultTuning(BigDevice(0x10DE)).elementwise_wg, 256u);
  EXPECT_EQ(DefaultTuning(BigDevice(0x13B5)).gemm_tile, 8u);
  EXPECT_STREQ(VendorName(0x10005), "Mesa (CPU)");
  DeviceInfo small = BigDevice(0x10DE);
  small.max_workgroup_invocations = 64;  // 16 x 16 threads do not fit
  small.max_workgroup_size[0] = 64;
  EXPECT_EQ(DefaultTuning(small).gemm_tile, 8u);
  EXPECT_EQ(DefaultTuning(small).elementwise_wg, 64u);
}

TEST(VulkanTuning, parameters_override_defaults_and_bad_ones_are_rejected_by_name) {
  const DeviceInfo d = BigDevice(0x1002);
  Tuning t = DefaultTuning(d);
  ASSERT_TRUE(ApplyTuningParameters("gemm_tile=8,gemm_regs=1,elementwise_wg=32", d, &t).ok());
  EXPECT_EQ(TuningToString(t),
            "elementwise_wg=32,gemm_tile=8,gemm_regs=1,reduce_wg=64,gemm_shared=1,"
            "gemm_min_groups=64");
  ASSERT_TRUE(ApplyTuningParameters("gemm_min_groups=100", d, &t).ok());  // a count
  EXPECT_EQ(t.gemm_min_groups, 100u);
  Status s = ApplyTuningParameters("gemm_tile=12", d, &t);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("gemm_tile"), std::string::npos) << s.ToString();
  s = ApplyTuningParameters("warp=4", d, &t);
  EXPECT_NE(s.message().find("unknown Vulkan tuning parameter 'warp'"), std::string::npos)
      << s.ToString();
  s = ApplyTuningParameters("gemm_shared=2", d, &t);
  EXPECT_NE(s.message().find("is not 0 or 1"), std::string::npos) << s.ToString();
  const std::string before = TuningToString(t);
  s = ApplyTuningParameters("reduce_wg=32,gemm_tile=64", d, &t);  // 4096 threads
  EXPECT_NE(s.message().find("exceeds the limits"), std::string::npos) << s.ToString();
  EXPECT_EQ(TuningToString(t), before) << "a refused set changes nothing";
}

// A late-stage convolution (7x7 outputs, 128 channels, K = 576: 2 workgroups of 64 x 64) with
// a bias and a fused residual Add: with gemm_min_groups = 32 it is split along K into 4 slices
// (a second dispatch adds them) and smaller blocks, on both operand paths, in fp32 and fp16.
TEST(VulkanTuning, min_groups_splits_small_convolutions_along_k_and_into_smaller_blocks) {
  MOTA_SKIP_WITHOUT_VULKAN();
  GraphBuilder b;
  b.Input("x", {1, 64, 7, 7});
  b.Input("r", {1, 128, 7, 7});
  b.Constant("w", RandomF32({128, 64, 3, 3}, 160));
  b.Constant("bias", RandomF32({128}, 162));
  model::Attributes relu;
  relu.SetString("activation", "Relu");
  b.Node("Conv", {"x", "w", "bias"}, "y", Pads1());
  b.Node("Add", {"y", "r"}, "z", relu);
  b.Output("z");
  const HostTensor x = RandomF32({1, 64, 7, 7}, 161), r = RandomF32({1, 128, 7, 7}, 163);
  for (const char* precision : {"fp32", "fp16"}) {
    for (const char* path : {"gemm_shared=0", "gemm_shared=1"}) {
      VulkanOptions options;
      options.cache_path = "none";
      options.precision = precision;
      options.tuning = std::string("gemm_min_groups=32,") + path;
      auto backend = CreateVulkanBackend({}, options);
      ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
      auto got = RunGraph(*backend, b.graph(), {x.view(), r.view()});
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(got->stats.fused_adds, 1);
      EXPECT_EQ(got->stats.dispatches, 2);  // conv_gemm slices + conv_splitk
      if (got->stats.fp16) {
        // K = 576 products of values in [-1, 1], rounded to fp16 (vulkan_ops_test.cc kF16Sum).
        auto reference = CreateBackend("reference", {});
        auto want = RunGraph(**reference, b.graph(), {x.view(), r.view()});
        ASSERT_TRUE(want.ok());
        EXPECT_LE(WorstRatio(got->outputs[0], want->outputs[0], 3e-2, 1e-2), 1.0) << path;
      } else {
        ExpectMatchesReference(b.graph(), {x.view(), r.view()}, got->outputs);
      }
    }
  }
}

TEST(VulkanTuning, other_tile_sizes_give_the_same_results) {
  MOTA_SKIP_WITHOUT_VULKAN();
  VulkanOptions options;
  options.cache_path = "none";
  // The opposite of the device's default staging, so both convolution paths are exercised.
  const bool shared = DefaultTuning(SharedBackend().device()).gemm_shared != 0;
  options.tuning =
      std::string("gemm_tile=8,gemm_regs=1,elementwise_wg=32,reduce_wg=16,gemm_shared=") +
      (shared ? "0" : "1");
  auto backend = CreateVulkanBackend({}, options);
  ASSERT_TRUE(backend->status().ok()) << backend->status().ToString();
  EXPECT_EQ(backend->tuning(),
            std::string("elementwise_wg=32,gemm_tile=8,gemm_regs=1,reduce_wg=16,gemm_shared=") +
                (shared ? "0" : "1") + ",gemm_min_groups=" +
                std::to_string(DefaultTuning(SharedBackend().device()).gemm_min_groups));
  const HostTensor x = RandomF32({1, 4, 6, 6}, 130);
  auto got = RunGraph(*backend, MixedGraph(), {x.view()});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectMatchesReference(MixedGraph(), {x.view()}, got->outputs);
}

// ---- memory ------------------------------------------------------------------------------------

TEST(VulkanMemory, arena_regions_are_shared_only_between_disjoint_lifetimes) {
  const std::vector<Lifetime> buffers = {{1000, 0, 1}, {500, 1, 2}, {1000, 2, 3}, {300, 3, 4}};
  std::vector<uint64_t> offsets;
  const uint64_t total = AssignOffsets(buffers, 256, &offsets);
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(offsets[i] % 256, 0u);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const bool live_together =
          buffers[i].first <= buffers[j].last && buffers[j].first <= buffers[i].last;
      const bool disjoint =
          offsets[i] + buffers[i].size <= offsets[j] || offsets[j] + buffers[j].size <= offsets[i];
      if (live_together) {
        EXPECT_TRUE(disjoint) << i << " and " << j;
      }
    }
  }
  // Buffers 0 and 2 never live together: they share bytes, so the total is below the sum.
  EXPECT_LT(total, 1024u + 512 + 1024 + 512);
  EXPECT_EQ(offsets[0], offsets[2]);
}

}  // namespace
}  // namespace mota::exec::vk::testing
