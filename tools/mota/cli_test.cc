// Runs the built `mota` binary as a user would and checks its output, files and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "converter/src/writer.h"
#include "exec/npy.h"
#include "tests/support/run_tool.h"
#include "tests/support/test_dir.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;

using CliResult = test_support::ToolResult;
using test_support::Slurp;

model::TensorInfo F32(const std::string& name, std::vector<model::Dim> dims,
                      bool has_shape = true) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = DType::kF32;
  t.has_shape = has_shape;
  t.dims = std::move(dims);
  return t;
}

// x f32 [2,3] -> Add(x, c=[1,-1,0.5]) -> Relu -> y. `batch` makes dim 0 symbolic ("N").
model::Graph AddReluGraph(bool symbolic_batch, const std::string& output_name) {
  model::Graph g;
  const model::Dim batch = symbolic_batch ? model::Dim{-1, "N"} : model::Dim{2, {}};
  const int32_t x = g.AddTensor(F32("x", {batch, {3, {}}}));
  std::vector<float> c = {1, -1, 0.5f};
  std::vector<uint8_t> bytes(c.size() * 4);
  std::memcpy(bytes.data(), c.data(), bytes.size());
  const int32_t cst = g.AddConstant("c", DType::kF32, {3}, bytes);
  const int32_t sum = g.AddTensor(F32("sum", {}, false));
  const int32_t y = g.AddTensor(F32(output_name, {}, false));
  g.nodes.push_back({"add", "Add", {}, {x, cst}, {sum}});
  g.nodes.push_back({"relu", "Relu", {}, {sum}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  g.metadata.producer = "cli_test";
  g.metadata.precision = "fp32";
  g.metadata.properties["purpose"] = "testing";
  return g;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_cli_test");
    fs::create_directories(dir_);
    model_ = (dir_ / "add_relu.mota").string();
    ASSERT_TRUE(converter::WriteModel(AddReluGraph(false, "y"), model_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `mota <args>` through the shell; stdout and stderr are captured in files.
  CliResult Mota(const std::string& args) {
    return test_support::RunTool(MOTA_CLI_PATH, args, dir_);
  }

  std::string WriteInput(const std::string& name, DType dtype, const Shape& shape,
                         const std::vector<float>& values) {
    exec::HostTensor t = exec::HostTensor::Allocate(dtype, shape);
    for (size_t i = 0; i < values.size() && dtype == DType::kF32; ++i) t.as<float>()[i] = values[i];
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(exec::WriteNpy(path, t.view()).ok());
    return path;
  }

  fs::path dir_;
  std::string model_;
};

#define EXPECT_CONTAINS(haystack, needle)                                                        \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "expected '" << (needle) << "' in:\n" \
                                                        << (haystack)

TEST_F(Cli, HelpAndVersionWorkForEveryCommand) {
  CliResult help = Mota("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"convert", "quantize", "inspect", "run", "keygen", "package", "repo"})
    EXPECT_CONTAINS(help.out, cmd);
  CliResult version = Mota("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_CONTAINS(version.out, std::string("mota ") + MOTA_VERSION);
  for (const char* cmd : {"convert", "quantize", "inspect", "run"}) {
    CliResult r = Mota(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_CONTAINS(r.out, "Example: mota " + std::string(cmd));
  }
  EXPECT_CONTAINS(Mota("run --help").out, "--bench");
}

TEST_F(Cli, UsageErrorsExitTwoWithAHint) {
  CliResult unknown = Mota("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_CONTAINS(unknown.err, "unknown command 'frobnicate'");
  EXPECT_CONTAINS(unknown.err, "--help");
  CliResult bad_flag = Mota("run " + model_ + " --bogus");
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_CONTAINS(bad_flag.err, "--bogus");
  EXPECT_EQ(Mota("").exit_code, 2);
  EXPECT_EQ(Mota("run " + model_ + " --backend nonesuch").exit_code, 2);
}

TEST_F(Cli, QuantizeWritesTheModelAndTheReportOnlyWhenTheGatePasses) {
  const fs::path calib = dir_ / "calib";
  for (int s = 0; s < 3; ++s) {
    fs::create_directories(calib / std::to_string(s));
    WriteInput("calib/" + std::to_string(s) + "/x.npy", DType::kF32, {2, 3},
               {-2.0f + s, 0, 1, 3, 0.5f, -1.0f * s});
  }
  const std::string out = (dir_ / "q.mota").string(), report = (dir_ / "r.json").string();
  CliResult ok = Mota("quantize " + model_ + " -o " + out + " --precision int8 --calibration " +
                      calib.string() + " --report " + report + " -q");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_CONTAINS(ok.out, "gate (cosine >= 0.995000");
  EXPECT_CONTAINS(Slurp(report), "\"precision\": \"int8\"");
  CliResult inspect = Mota("inspect " + out);
  EXPECT_EQ(inspect.exit_code, 0);
  EXPECT_CONTAINS(inspect.out, "QLinearAdd");

  CliResult no_data =
      Mota("quantize " + model_ + " -o " + (dir_ / "n.mota").string() + " --precision int8");
  EXPECT_EQ(no_data.exit_code, 1);
  EXPECT_CONTAINS(no_data.err, "int8 needs calibration data");
  EXPECT_EQ(Mota("quantize " + model_ + " -o x.mota --precision int4").exit_code, 2);

  WriteInput("calib/1/x.npy", DType::kF32, {3, 2}, {1, 2, 3, 4, 5, 6});
  CliResult bad = Mota("quantize " + model_ + " -o " + (dir_ / "b.mota").string() +
                       " --precision int8 --calibration " + calib.string());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_CONTAINS(bad.err, "has shape [3,2]");
  EXPECT_FALSE(fs::exists(dir_ / "b.mota"));

  CliResult miss = Mota("quantize " + model_ + " -o " + (dir_ / "m.mota").string() +
                        " --precision fp16 --min-sqnr 250 --report " + report);
  EXPECT_EQ(miss.exit_code, 1);
  EXPECT_CONTAINS(miss.err, "misses the accuracy gate");
  EXPECT_FALSE(fs::exists(dir_ / "m.mota"));
  EXPECT_CONTAINS(Slurp(report), "\"passed\": false");
}

TEST_F(Cli, KeygenCreatesTheMissingKeyFolderPrivate) {
  // The README's flow starts with `mota keygen -o keys/root` in an empty folder.
  const fs::path folder = dir_ / "keys" / "team";
  CliResult made = Mota("keygen -o " + (folder / "root").string());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_TRUE(fs::exists(folder / "root.key"));
  EXPECT_EQ(fs::status(folder).permissions() & fs::perms::all, fs::perms::owner_all);
}

TEST_F(Cli, KeygenAndRepoInitRefuseUnsafeInput) {
  const std::string key = (dir_ / "root").string();
  CliResult made = Mota("keygen -o " + key);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(fs::status(key + ".key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(fs::exists(key + ".pub"));
  EXPECT_EQ(Mota("keygen -o " + key).exit_code, 1);  // never overwrites a key
  for (const char* role : {"targets", "snapshot", "timestamp"})
    ASSERT_EQ(Mota("keygen -o " + (dir_ / role).string()).exit_code, 0);
  const std::string keys = " --targets-key " + (dir_ / "targets.key").string() +
                           " --snapshot-key " + (dir_ / "snapshot.key").string() +
                           " --timestamp-key " + (dir_ / "timestamp.key").string();
  const std::string repo = (dir_ / "repo").string();
  CliResult too_many =
      Mota("repo init --repo " + repo + " --root-key " + key + ".key --threshold 2" + keys);
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_CONTAINS(too_many.err, "threshold");
  EXPECT_FALSE(fs::exists(dir_ / "repo" / "metadata"));
  fs::permissions(key + ".key", fs::perms::group_read, fs::perm_options::add);
  CliResult readable = Mota("repo init --repo " + repo + " --root-key " + key + ".key" + keys);
  EXPECT_EQ(readable.exit_code, 1);
  EXPECT_CONTAINS(readable.err, "chmod 600");
  fs::permissions(key + ".key", fs::perms::group_read, fs::perm_options::remove);
  CliResult ok =
      Mota("repo init --repo " + repo + " --root-key " + key + ".key" + keys + " --now 1800000000");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  CliResult verify = Mota("repo verify --repo " + repo + " --now 1800000000");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(Mota("repo init --repo " + repo + " --root-key " + key + ".key" + keys).exit_code, 1);
}

TEST_F(Cli, RunWritesOutputsThatReadBackAsNpy) {
  const std::string x = WriteInput("x.npy", DType::kF32, {2, 3}, {-2, 0, 1, 3, 0.5f, -1});
  // --input before the positional model: each --input takes exactly one value.
  CliResult r =
      Mota("run --input x=" + x + " " + model_ + " --output-dir " + (dir_ / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "output y");
  auto y = exec::ReadNpy((dir_ / "out" / "y.npy").string());
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->shape(), (Shape{2, 3}));
  const float expect[] = {0, 0, 1.5f, 4, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y->as<float>()[i], expect[i]) << i;
}

TEST_F(Cli, OutputNamesAreSanitizedIntoTheOutputDir) {
  const std::string model = (dir_ / "slash.mota").string();
  ASSERT_TRUE(converter::WriteModel(AddReluGraph(false, "block/relu:0"), model).ok());
  CliResult r = Mota("run " + model + " -o " + (dir_ / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "block_relu_0.npy"));
}

TEST_F(Cli, RandomInputsAreReproducibleBySeed) {
  auto run = [&](const std::string& seed, const std::string& out) {
    CliResult r = Mota("run " + model_ + " --seed " + seed + " -o " + (dir_ / out).string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Slurp(dir_ / out / "y.npy");
  };
  const std::string a = run("7", "a"), b = run("7", "b"), c = run("8", "c");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(Cli, BenchJsonIsOneParsableObject) {
  CliResult r = Mota("run " + model_ + " --bench 5 --warmup 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["bench"]["runs"], 5);
  EXPECT_GT(j["bench"]["median_ms"].get<double>(), 0);
  EXPECT_LE(j["bench"]["median_ms"].get<double>(), j["bench"]["p99_ms"].get<double>());
  EXPECT_GT(j["peak_rss_bytes"].get<uint64_t>(), 0u);
  EXPECT_GE(j["load_ms"].get<double>(), 0);
  EXPECT_EQ(j["inputs"][0]["source"], "random");
  EXPECT_EQ(j["outputs"][0]["name"], "y");
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({2, 3}));
  EXPECT_GE(j["outputs"][0]["min"].get<double>(), 0);  // Relu
}

TEST_F(Cli, InspectReportsShapesOpsParametersAndMetadata) {
  const std::string model = (dir_ / "dyn.mota").string();
  ASSERT_TRUE(converter::WriteModel(AddReluGraph(true, "y"), model).ok());
  CliResult text = Mota("inspect " + model);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_CONTAINS(text.out, "[N,3]");
  EXPECT_CONTAINS(text.out, "cli_test");
  CliResult r = Mota("inspect " + model + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["inputs"][0]["name"], "x");
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json::parse(R"(["N", 3])"));
  EXPECT_EQ(j["op_counts"]["Add"], 1);
  EXPECT_EQ(j["op_counts"]["Relu"], 1);
  EXPECT_EQ(j["parameter_bytes"], 12);
  EXPECT_EQ(j["metadata"]["precision"], "fp32");
  EXPECT_EQ(j["metadata"]["properties"]["purpose"], "testing");
  EXPECT_EQ(j["file_bytes"].get<uint64_t>(), fs::file_size(model));
  EXPECT_GE(j["format_version"].get<int>(), 1);
}

TEST_F(Cli, SymbolicInputsNeedAShapeOrAFile) {
  const std::string model = (dir_ / "dyn.mota").string();
  ASSERT_TRUE(converter::WriteModel(AddReluGraph(true, "y"), model).ok());
  CliResult r = Mota("run " + model);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "--shape x=");
  CliResult ok = Mota("run " + model + " --shape x=4,3 --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["outputs"][0]["shape"], nlohmann::json({4, 3}));
  CliResult misfit = Mota("run " + model + " --shape x=4,5");
  EXPECT_EQ(misfit.exit_code, 1);
  EXPECT_CONTAINS(misfit.err, "[N,3]");
}

TEST_F(Cli, BadInputsAreNamedInTheError) {
  CliResult missing = Mota("run " + (dir_ / "nope.mota").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_CONTAINS(missing.err, "nope.mota");

  const std::string garbage = (dir_ / "garbage.npy").string();
  std::ofstream(garbage) << "not numpy at all";
  CliResult bad_npy = Mota("run " + model_ + " --input x=" + garbage);
  EXPECT_EQ(bad_npy.exit_code, 1);
  EXPECT_CONTAINS(bad_npy.err, "garbage.npy");

  const std::string ints = WriteInput("ints.npy", DType::kI32, {2, 3}, {});
  CliResult bad_dtype = Mota("run " + model_ + " --input x=" + ints);
  EXPECT_EQ(bad_dtype.exit_code, 1);
  EXPECT_CONTAINS(bad_dtype.err, "input 'x'");
  EXPECT_CONTAINS(bad_dtype.err, "expected f32");

  const std::string wrong_shape = WriteInput("shape.npy", DType::kF32, {3, 2}, {});
  CliResult bad_shape = Mota("run " + model_ + " --input x=" + wrong_shape);
  EXPECT_EQ(bad_shape.exit_code, 1);
  EXPECT_CONTAINS(bad_shape.err, "expected [2,3]");

  CliResult unknown = Mota("run " + model_ + " --input nosuch=" + wrong_shape);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_CONTAINS(unknown.err, "no input named 'nosuch'");
  EXPECT_CONTAINS(unknown.err, "its inputs: x");

  CliResult no_file = Mota("run " + model_ + " --input x=" + (dir_ / "absent.npy").string());
  EXPECT_EQ(no_file.exit_code, 1);
  EXPECT_CONTAINS(no_file.err, "absent.npy");

  const std::string not_a_model = (dir_ / "bad.mota").string();
  std::ofstream(not_a_model) << "garbage";
  CliResult bad_model = Mota("inspect " + not_a_model);
  EXPECT_EQ(bad_model.exit_code, 1);
  EXPECT_CONTAINS(bad_model.err, "bad.mota");
}

TEST_F(Cli, ConvertReportsMissingFiles) {
  CliResult r =
      Mota("convert " + (dir_ / "absent.onnx").string() + " -o " + (dir_ / "x.mota").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_CONTAINS(r.err, "absent.onnx");
  CliResult bad_shape = Mota("convert " + (dir_ / "absent.onnx").string() + " --input x=1,a");
  EXPECT_EQ(bad_shape.exit_code, 1);
  EXPECT_CONTAINS(bad_shape.err, "x=1,a");
}

// The whole path on a real model: convert, inspect, run with an .npy input, read the output.
TEST_F(Cli, ConvertsInspectsAndRunsTheMlp) {
  const fs::path onnx = fs::path(MOTA_SHARED_DIR) / "models" / "mlp_784_256_10.onnx";
  if (!fs::exists(onnx)) GTEST_SKIP() << onnx << " not present";
  const std::string model = (dir_ / "mlp.mota").string();
  CliResult conv = Mota("convert " + onnx.string() + " -o " + model);
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  EXPECT_CONTAINS(conv.out, "nodes");
  CliResult info = Mota("inspect " + model + " --json");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json j = nlohmann::json::parse(info.out);
  const std::string input = j["inputs"][0]["name"];
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 784}));
  EXPECT_GT(j["parameter_bytes"].get<uint64_t>(), (784u * 256 + 256 * 10) * 4);
  const std::string x = WriteInput("x.npy", DType::kF32, {1, 784}, std::vector<float>(784, 0.25f));
  CliResult run = Mota("run " + model + " --input " + input + "=" + x + " -o " +
                       (dir_ / "out").string() + " --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json out = nlohmann::json::parse(run.out)["outputs"][0];
  auto y = exec::ReadNpy(out["file"].get<std::string>());
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{1, 10}));
  double sum = 0;  // the MLP ends in softmax
  for (int i = 0; i < 10; ++i) sum += y->as<float>()[i];
  EXPECT_NEAR(sum, 1.0, 1e-4);
}

}  // namespace
}  // namespace mota::cli
