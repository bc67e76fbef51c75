// Every Vulkan op against the reference backend on small shapes, with explicit tolerances
// (lavapipe in CI; any Vulkan device elsewhere). Each case also checks that the node really ran
// on the GPU: a silent CPU fallback would make the comparison meaningless.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

using exec::testing::MakeF32;

// Tolerances: |vulkan - reference| <= atol + rtol * |reference|. Copies and max are exact;
// sums differ only in order (GEMM tiles vs blocked CPU GEMM): ~K ulps; transcendental
// functions: a few ulps of the driver's exp.
constexpr double kExact = 0.0;
constexpr double kSumAtol = 1e-5, kSumRtol = 1e-4;
constexpr double kFnAtol = 1e-6, kFnRtol = 1e-5;

struct Tol {
  double atol, rtol;
};

// fp16 tolerances (the fp16 variants vs the fp32 reference on the same f32 inputs). Rounding to
// fp16 costs up to 2^-12 = 2.4e-4 relative per value (inputs, weights, outputs) and 2^-11 per
// fp16 operation:
// - elementwise/copies (fp32 class kExact): a few roundings of values of magnitude <= ~1-8:
//   atol 1e-3, rtol 1e-3 (an Add of two rounded inputs in [-1, 1] is off by <= 7.3e-4);
// - functions (kFn): x rounded by 2^-12 moves f(x) by |x f'/f| 2^-12 relative (exp on [-3, 3]:
//   7e-4, Pow with |y| <= 1.5 on [0.1, 2]: 1.2e-3) plus a few fp16 ops (HardSwish): 2e-3, 5e-3;
// - sums (kSum): GEMM/convolution products in fp16 summed per 16-deep tile in fp16, the tiles in
//   float (K <= 72 here, outputs ~1-3): typical error ~2e-3, so 1e-2, 1e-2.
constexpr Tol kF16Elementwise{1e-3, 1e-3};
constexpr Tol kF16Fn{2e-3, 5e-3};
constexpr Tol kF16Sum{1e-2, 1e-2};

Tol Fp16Tolerance(Tol fp32) {
  if (fp32.atol == kExact && fp32.rtol == kExact) return kF16Elementwise;
  if (fp32.atol <= kFnAtol && fp32.rtol <= kFnRtol) return kF16Fn;
  return kF16Sum;
}

// The fp16 variants of the node's shaders (both convolution operand paths for Conv) against
// the reference's outputs.
void CheckFp16(const std::string& op, const model::Graph& graph,
               const std::vector<TensorView>& feeds, const std::vector<HostTensor>& want, Tol tol,
               int expected_dispatches) {
  if (Fp16Backend() == nullptr) return;  // the device has no fp16: the fp32 checks stand
  for (bool other : {false, true}) {
    if (other && op != "Conv") break;
    auto got = RunGraph(*Fp16Backend(other), graph, feeds);
    ASSERT_TRUE(got.ok()) << op << " fp16: " << got.status().ToString();
    EXPECT_TRUE(got->stats.fp16) << op << ": " << got->stats.precision;
    EXPECT_EQ(got->stats.gpu_nodes, 1) << op << " fp16 did not run on the GPU";
    if (expected_dispatches >= 0) {
      EXPECT_EQ(got->stats.dispatches, expected_dispatches);
    }
    ASSERT_EQ(got->outputs.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got->outputs[i].shape(), want[i].shape());
      const double worst = WorstRatio(got->outputs[i], want[i], tol.atol, tol.rtol);
      EXPECT_LE(worst, 1.0) << op << " fp16" << (other ? " (other gemm_shared)" : "") << " output "
                            << i << ": worst |diff| / tolerance = " << worst;
    }
  }
}

void CheckOp(const std::string& op, const model::Attributes& attrs, std::vector<Arg> inputs,
             Tol tol, int expected_dispatches = -1, std::optional<Tol> f16 = std::nullopt) {
  std::vector<TensorView> feeds;
  const model::Graph graph = OneNodeGraph(op, attrs, inputs, 1, &feeds);
  auto reference = CreateBackend("reference", {});
  ASSERT_TRUE(reference.ok());
  auto want = RunGraph(**reference, graph, feeds);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto got = RunGraph(SharedBackend(), graph, feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.gpu_nodes, 1)
      << op << " did not run on the GPU: "
      << (got->stats.cpu_reasons.empty() ? "" : got->stats.cpu_reasons[0]);
  EXPECT_EQ(got->stats.cpu_nodes, 0);
  if (expected_dispatches >= 0) {
    EXPECT_EQ(got->stats.dispatches, expected_dispatches);
  }
  ASSERT_EQ(got->outputs[0].shape(), want->outputs[0].shape());
  const double worst = WorstRatio(got->outputs[0], want->outputs[0], tol.atol + 1e-30, tol.rtol);
  EXPECT_LE(worst, 1.0) << op << ": worst |diff| / tolerance = " << worst;
  if (op == "Conv") {
    // The other operand path of conv_gemm.comp (shared-memory tiles or direct reads).
    auto other = RunGraph(OtherConvPathBackend(), graph, feeds);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    const double w2 = WorstRatio(other->outputs[0], want->outputs[0], tol.atol + 1e-30, tol.rtol);
    EXPECT_LE(w2, 1.0) << op << " (other gemm_shared): worst |diff| / tolerance = " << w2;
  }
  CheckFp16(op, graph, feeds, want->outputs, f16.value_or(Fp16Tolerance(tol)), expected_dispatches);
}

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>>;

model::Attributes Attrs(std::initializer_list<std::pair<std::string, AttrValue>> list) {
  model::Attributes a;
  for (const auto& [k, v] : list) {
    if (auto* i = std::get_if<int64_t>(&v)) a.SetInt(k, *i);
    if (auto* f = std::get_if<float>(&v)) a.SetFloat(k, *f);
    if (auto* s = std::get_if<std::string>(&v)) a.SetString(k, *s);
    if (auto* is = std::get_if<std::vector<int64_t>>(&v)) a.SetInts(k, *is);
  }
  return a;
}

// ---- Conv ------------------------------------------------------------------------------------

TEST(VulkanConv, general_3x3_stride2_pad1_bias_and_fused_relu6) {
  MOTA_SKIP_WITHOUT_VULKAN();
  auto attrs = Attrs({{"strides", std::vector<int64_t>{2, 2}},
                      {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                      {"activation", std::string("Clip")},
                      {"activation_alpha", 0.0f},
                      {"activation_beta", 0.5f}});
  CheckOp("Conv", attrs,
          {In(RandomF32({1, 3, 11, 13}, 1)), Const(RandomF32({20, 3, 3, 3}, 2)),
           Const(RandomF32({20}, 3))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanConv, reduction_longer_than_a_tile_and_batch_2) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // K = 8 * 3 * 3 = 72 crosses several 16-wide k tiles; M = 20 and N = 7 * 9 leave partial tiles.
  CheckOp("Conv", Attrs({{"pads", std::vector<int64_t>{1, 0, 1, 2}}}),
          {In(RandomF32({2, 8, 7, 8}, 4)), Const(RandomF32({20, 8, 3, 3}, 5))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanConv, grouped_and_dilated) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp(
      "Conv",
      Attrs({{"group", int64_t{2}},
             {"dilations", std::vector<int64_t>{2, 2}},
             {"pads", std::vector<int64_t>{2, 2, 2, 2}}}),
      {In(RandomF32({1, 6, 9, 9}, 6)), Const(RandomF32({4, 3, 3, 3}, 7)), Const(RandomF32({4}, 8))},
      {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanConv, depthwise_3x3_with_fused_relu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Conv",
          Attrs({{"group", int64_t{8}},
                 {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                 {"activation", std::string("Relu")}}),
          {In(RandomF32({1, 8, 10, 10}, 9)), Const(RandomF32({8, 1, 3, 3}, 10)),
           Const(RandomF32({8}, 11))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanConv, depthwise_with_channel_multiplier_and_stride) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Conv", Attrs({{"group", int64_t{4}}, {"strides", std::vector<int64_t>{2, 2}}}),
          {In(RandomF32({1, 4, 9, 9}, 12)), Const(RandomF32({8, 1, 3, 3}, 13))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanConv, pointwise_1x1_runs_as_gemm) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Conv", Attrs({{"activation", std::string("HardSwish")}}),
          {In(RandomF32({1, 24, 6, 5}, 14)), Const(RandomF32({40, 24, 1, 1}, 15)),
           Const(RandomF32({40}, 16))},
          {kSumAtol, kSumRtol}, 1);
}

// ---- Gemm / MatMul ----------------------------------------------------------------------------

TEST(VulkanGemm, transB_with_bias_vector) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Gemm", Attrs({{"transB", int64_t{1}}}),
          {In(RandomF32({3, 40}, 20)), Const(RandomF32({17, 40}, 21)), Const(RandomF32({17}, 22))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanGemm, transA_alpha_beta_matrix_C_and_fused_sigmoid) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Gemm",
          Attrs({{"transA", int64_t{1}},
                 {"alpha", 0.5f},
                 {"beta", 2.0f},
                 {"activation", std::string("Sigmoid")}}),
          {In(RandomF32({19, 5}, 23)), In(RandomF32({19, 33}, 24)), In(RandomF32({5, 33}, 25))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanMatMul, batched_with_shared_rhs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("MatMul", {}, {In(RandomF32({2, 3, 9, 20}, 26)), Const(RandomF32({20, 18}, 27))},
          {kSumAtol, kSumRtol}, 1);
}

TEST(VulkanMatMul, batched_both_sides_and_vector_rhs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("MatMul", {}, {In(RandomF32({4, 5, 7}, 28)), In(RandomF32({4, 7, 6}, 29))},
          {kSumAtol, kSumRtol}, 1);
  CheckOp("MatMul", {}, {In(RandomF32({5, 7}, 30)), In(RandomF32({7}, 31))}, {kSumAtol, kSumRtol},
          1);
}

// ---- elementwise ------------------------------------------------------------------------------

TEST(VulkanBinary, add_same_shape_with_fused_relu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Add", Attrs({{"activation", std::string("Relu")}}),
          {In(RandomF32({2, 3, 4, 5}, 40)), In(RandomF32({2, 3, 4, 5}, 41))}, {kExact, kExact}, 1);
}

TEST(VulkanBinary, sub_mul_div_broadcast) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Sub", {}, {In(RandomF32({2, 3, 4, 5}, 42)), Const(RandomF32({3, 1, 1}, 43))},
          {kExact, kExact}, 1);
  CheckOp("Mul", {}, {Const(RandomF32({}, 44)), In(RandomF32({2, 3, 4}, 45))}, {kExact, kExact}, 1);
  CheckOp("Div", {}, {In(RandomF32({2, 1, 4}, 46)), In(RandomF32({3, 1}, 47, 0.5f, 2.0f))},
          {kFnAtol, kFnRtol}, 1);
}

TEST(VulkanUnary, every_activation_op_over_a_wide_range) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto x = [] { return In(RandomF32({3, 50}, 50, -8.0f, 8.0f)); };
  CheckOp("Relu", {}, {x()}, {kExact, kExact}, 1);
  CheckOp("LeakyRelu", Attrs({{"alpha", 0.1f}}), {x()}, {kExact, kExact}, 1);
  CheckOp("HardSigmoid", Attrs({{"alpha", 0.3f}, {"beta", 0.4f}}), {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("HardSwish", {}, {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Sigmoid", {}, {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Tanh", {}, {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Clip", {}, {x(), Const(MakeF32({}, {-1.5f})), Const(MakeF32({}, {2.5f}))},
          {kExact, kExact}, 1);
  CheckOp("Clip", {}, {x(), Arg{}, Const(MakeF32({}, {0.25f}))}, {kExact, kExact}, 1);
}

TEST(VulkanUnary, math_ops) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const auto x = [] { return In(RandomF32({4, 40}, 51, -3.0f, 3.0f)); };
  CheckOp("Erf", {}, {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Exp", {}, {x()}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Neg", {}, {x()}, {kExact, kExact}, 1);
  CheckOp("Abs", {}, {x()}, {kExact, kExact}, 1);
  CheckOp("Sqrt", {}, {In(RandomF32({4, 40}, 52, 0.0f, 9.0f))}, {kFnAtol, kFnRtol}, 1);
  CheckOp("Reciprocal", {}, {In(RandomF32({4, 40}, 53, 0.5f, 4.0f))}, {kFnAtol, kFnRtol}, 1);
}

TEST(VulkanBinary, pow_with_negative_bases_and_integer_exponents) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Pow", {}, {In(RandomF32({3, 20}, 54, -2.0f, 2.0f)), Const(MakeF32({}, {2.0f}))},
          {kFnAtol, kFnRtol}, 1);
  CheckOp("Pow", {}, {In(RandomF32({3, 20}, 55, -2.0f, 2.0f)), Const(MakeF32({}, {3.0f}))},
          {kFnAtol, kFnRtol}, 1);
  CheckOp("Pow", {}, {In(RandomF32({3, 20}, 56, 0.1f, 2.0f)), In(RandomF32({20}, 57, -1.5f, 1.5f))},
          {kFnAtol, kFnRtol}, 1);
}

// ---- reductions -------------------------------------------------------------------------------

TEST(VulkanReduce, mean_sum_max_min_over_contiguous_axes) {
  MOTA_SKIP_WITHOUT_VULKAN();
  model::Attributes keep;
  CheckOp("ReduceMean", keep,
          {In(RandomF32({2, 5, 24}, 58)), Const(exec::testing::MakeI64({1}, {-1}))},
          {kSumAtol, kSumRtol}, 1);
  CheckOp("ReduceSum", Attrs({{"keepdims", int64_t{0}}}),
          {In(RandomF32({2, 3, 4, 5}, 59)), Const(exec::testing::MakeI64({2}, {1, 2}))},
          {kSumAtol, kSumRtol}, 1);
  CheckOp("ReduceMax", {}, {In(RandomF32({3, 7}, 64))}, {kExact, kExact}, 1);
  CheckOp("ReduceMin", {}, {In(RandomF32({3, 7, 2}, 65)), Const(exec::testing::MakeI64({1}, {0}))},
          {kExact, kExact}, 1);
}

// ---- pooling ----------------------------------------------------------------------------------

TEST(VulkanPool, max_pool_3x3_stride2_ceil_mode) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("MaxPool",
          Attrs({{"kernel_shape", std::vector<int64_t>{3, 3}},
                 {"strides", std::vector<int64_t>{2, 2}},
                 {"ceil_mode", int64_t{1}}}),
          {In(RandomF32({1, 3, 10, 12}, 60))}, {kExact, kExact}, 1);
}

TEST(VulkanPool, average_pool_padding_counted_both_ways) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (int64_t include : {0, 1}) {
    CheckOp("AveragePool",
            Attrs({{"kernel_shape", std::vector<int64_t>{3, 2}},
                   {"pads", std::vector<int64_t>{1, 1, 1, 0}},
                   {"strides", std::vector<int64_t>{2, 1}},
                   {"ceil_mode", int64_t{1}},
                   {"count_include_pad", include}}),
            {In(RandomF32({2, 2, 7, 6}, 61))}, {kFnAtol, kFnRtol}, 1);
  }
}

TEST(VulkanPool, global_average_and_max) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // 13 * 11 = 143 values per plane: more than one pass of a 64-thread reduction.
  CheckOp("GlobalAveragePool", {}, {In(RandomF32({2, 5, 13, 11}, 62))}, {kSumAtol, kSumRtol}, 1);
  CheckOp("GlobalMaxPool", {}, {In(RandomF32({2, 5, 13, 11}, 63))}, {kExact, kExact}, 1);
}

// ---- data movement ----------------------------------------------------------------------------

TEST(VulkanConcat, channels_and_last_axis) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Concat", Attrs({{"axis", int64_t{1}}}),
          {In(RandomF32({2, 3, 4, 4}, 70)), In(RandomF32({2, 5, 4, 4}, 71)),
           Const(RandomF32({2, 1, 4, 4}, 72))},
          {kExact, kExact}, 3);
  CheckOp("Concat", Attrs({{"axis", int64_t{-1}}}),
          {In(RandomF32({3, 2}, 73)), In(RandomF32({3, 7}, 74))}, {kExact, kExact}, 2);
}

TEST(VulkanSplit, uneven_parts_along_a_middle_axis) {
  MOTA_SKIP_WITHOUT_VULKAN();
  std::vector<TensorView> feeds;
  // The graph and feeds point into `args`: keep it alive.
  const std::vector<Arg> args = {In(RandomF32({2, 7, 3}, 75)),
                                 Const(exec::testing::MakeI64({3}, {2, 4, 1}))};
  const model::Graph graph = OneNodeGraph("Split", Attrs({{"axis", int64_t{1}}}), args, 3, &feeds);
  auto reference = CreateBackend("reference", {});
  ASSERT_TRUE(reference.ok());
  auto want = RunGraph(**reference, graph, feeds);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto got = RunGraph(SharedBackend(), graph, feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.gpu_nodes, 1);
  EXPECT_EQ(got->stats.dispatches, 3);
  ASSERT_EQ(got->outputs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(got->outputs[i].shape(), want->outputs[i].shape());
    EXPECT_EQ(WorstRatio(got->outputs[i], want->outputs[i], 1e-30, 0), 0.0) << "output " << i;
  }
  CheckFp16("Split", graph, feeds, want->outputs, kF16Elementwise, 3);
}

TEST(VulkanSoftmax, last_axis_middle_axis_and_log) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // fp16: inputs in [-10, 10] are off by up to 10 * 2^-12 = 2.4e-3, which moves each
  // probability by up to twice that relative.
  CheckOp("Softmax", {}, {In(RandomF32({4, 33}, 80, -10.0f, 10.0f))}, {kFnAtol, kFnRtol}, 1,
          Tol{2e-3, 1e-2});
  CheckOp("Softmax", Attrs({{"axis", int64_t{1}}}), {In(RandomF32({2, 6, 5}, 81))},
          {kFnAtol, kFnRtol}, 1);
  CheckOp("LogSoftmax", {}, {In(RandomF32({3, 10}, 82))}, {kFnAtol, kFnRtol}, 1);
}

TEST(VulkanTranspose, nchw_to_nhwc_and_default_perm) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Transpose", Attrs({{"perm", std::vector<int64_t>{0, 2, 3, 1}}}),
          {In(RandomF32({2, 3, 4, 5}, 90))}, {kExact, kExact}, 1);
  CheckOp("Transpose", {}, {In(RandomF32({3, 4, 5}, 91))}, {kExact, kExact}, 1);
}

TEST(VulkanViews, flatten_and_reshape_need_no_dispatch) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Flatten", Attrs({{"axis", int64_t{1}}}), {In(RandomF32({2, 3, 4}, 92))},
          {kExact, kExact}, 0);
  CheckOp("Reshape", {},
          {In(RandomF32({2, 3, 4}, 93)), Const(exec::testing::MakeI64({2}, {4, -1}))},
          {kExact, kExact}, 0);
}

}  // namespace
}  // namespace mota::exec::vk::testing
