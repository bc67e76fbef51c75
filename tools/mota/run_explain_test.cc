// `mota run --explain` and the cost model's choice with --backend auto: runs the built binary on
// a tiny model (two elementwise nodes), which is never worth a GPU: the submission alone costs
// more than the CPU's two node calls on every device class.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "converter/src/writer.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string out;
};

class RunExplain : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mota_run_explain_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    model_ = (dir_ / "tiny.mota").string();
    ASSERT_TRUE(converter::WriteModel(TinyGraph(), model_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // x f32 [4, 8] -> Add(x, c) -> Relu -> y.
  static model::Graph TinyGraph() {
    model::Graph g;
    model::TensorInfo x{"x", DType::kF32, true, {{4, {}}, {8, {}}}};
    const int32_t in = g.AddTensor(x);
    const int32_t c = g.AddConstant("c", DType::kF32, {8}, std::vector<uint8_t>(32, 0));
    const int32_t sum = g.AddTensor(model::TensorInfo{"sum", DType::kF32});
    const int32_t y = g.AddTensor(model::TensorInfo{"y", DType::kF32});
    g.nodes.push_back({"add", "Add", {}, {in, c}, {sum}});
    g.nodes.push_back({"relu", "Relu", {}, {sum}, {y}});
    g.inputs = {in};
    g.outputs = {y};
    return g;
  }

  // `mota <args>`, stdout and stderr together.
  CliResult Mota(const std::string& args) {
    const fs::path out = dir_ / "out.txt";
    const std::string cmd = std::string("MOTA_VULKAN_CACHE_DIR='") + dir_.string() + "' '" +
                            MOTA_CLI_PATH + "' " + args + " >'" + out.string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ss.str()};
  }

  fs::path dir_;
  std::string model_;
};

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST_F(RunExplain, auto_keeps_a_model_not_worth_the_gpu_on_the_cpu_and_says_so) {
  const CliResult r = Mota("run " + model_ + " --backend auto --explain");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  if (Has(r.out, "no Vulkan device")) GTEST_SKIP() << "no Vulkan device: " << r.out;
  EXPECT_FALSE(Has(r.out, "runs on vulkan")) << r.out;
  EXPECT_TRUE(Has(r.out, "not worth the GPU: cost model (model, ")) << r.out;
  EXPECT_TRUE(Has(r.out, "partition 1: nodes 0..1 (2: Add 'add' .. Relu 'relu')")) << r.out;
  EXPECT_TRUE(Has(r.out, "-> CPU")) << r.out;
  EXPECT_TRUE(Has(r.out, "vs CPU est")) << r.out;
  EXPECT_TRUE(Has(r.out, "output y")) << r.out;  // and it ran
}

TEST_F(RunExplain, vulkan_keeps_the_whole_model_on_the_gpu_and_explains_the_estimates) {
  const CliResult r = Mota("run " + model_ + " --backend vulkan --explain");
  if (r.exit_code != 0 && Has(r.out, "UNAVAILABLE")) GTEST_SKIP() << "no Vulkan device: " << r.out;
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(Has(r.out, "cost model (partitions")) << r.out;
  EXPECT_TRUE(Has(r.out, "-> GPU: the whole model; GPU est")) << r.out;
  EXPECT_TRUE(Has(r.out, "2 nodes on the GPU in 1 segments")) << r.out;
}

// The cost model needs a plan to explain; the session runs that plan instead of making its own
// (`prepares`: Backend::Prepare calls of the whole run, the choice's and the session's).
TEST_F(RunExplain, explain_on_vulkan_plans_the_model_once) {
  const CliResult r = Mota("run " + model_ + " --backend vulkan --explain --bench 2 --json");
  if (r.exit_code != 0 && Has(r.out, "UNAVAILABLE")) GTEST_SKIP() << "no Vulkan device: " << r.out;
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(Has(r.out, "\"backend_used\": \"vulkan\"")) << r.out;
  EXPECT_TRUE(Has(r.out, "\"prepares\": 1,")) << r.out;
  EXPECT_TRUE(Has(r.out, "2 nodes on the GPU in 1 segments")) << r.out;
  const CliResult cpu = Mota("run " + model_ + " --backend reference --json");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.out;
  EXPECT_TRUE(Has(cpu.out, "\"prepares\": 1,")) << cpu.out;
}

// The whole-model decision (VulkanBackend::Decide) needs no Vulkan plan: a model kept on the
// CPU is prepared once, by the CPU session ("prepares" counts Backend::Prepare calls).
TEST_F(RunExplain, auto_plans_a_model_kept_on_the_cpu_once) {
  const CliResult r = Mota("run " + model_ + " --backend auto --bench 1 --warmup 0 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  if (Has(r.out, "no Vulkan device")) GTEST_SKIP() << "no Vulkan device: " << r.out;
  EXPECT_FALSE(Has(r.out, "\"backend_used\": \"vulkan\"")) << r.out;
  EXPECT_TRUE(Has(r.out, "not worth the GPU: cost model (model, ")) << r.out;
  EXPECT_TRUE(Has(r.out, "\"prepares\": 1,")) << r.out;
}

TEST_F(RunExplain, cpu_backends_say_every_node_runs_on_them) {
  const CliResult r = Mota("run " + model_ + " --backend reference --explain");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(Has(r.out, "backend reference: every node runs on it")) << r.out;
}

}  // namespace
}  // namespace mota::cli
