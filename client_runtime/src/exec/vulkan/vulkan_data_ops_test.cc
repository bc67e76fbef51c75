// Resize, LayerNormalization, Pad, Slice and Gather on the GPU against the reference backend,
// with explicit tolerances (lavapipe in CI). Each case checks the node really ran on the GPU,
// in one dispatch, and compares every output.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

using exec::testing::MakeF32;
using exec::testing::MakeI32;
using exec::testing::MakeI64;

// |vulkan - reference| <= atol + rtol * |reference|. Data movement (Pad, Slice, Gather, nearest
// Resize) copies: exact. Interpolation sums 2^k (or 4^k) products in another order than the
// reference's separable passes: a few ulps. LayerNormalization reduces in float in a tree where
// the reference accumulates in double: ~len ulps of the row's magnitude.
struct Tol {
  double atol, rtol;
};
constexpr Tol kExact{0.0, 0.0};
constexpr Tol kInterp{1e-6, 1e-5};
constexpr Tol kNorm{1e-5, 1e-4};

model::Attributes Str(model::Attributes a, const std::string& k, const std::string& v) {
  a.SetString(k, v);
  return a;
}

// fp16 variants (inputs, weights and outputs rounded to fp16: 2^-12 = 2.4e-4 relative each;
// interpolation weights and LayerNormalization's sums stay float): copies are off by one
// rounding of values <= ~1 (1e-3, 1e-3); interpolation adds the rounding of its 2-16 inputs
// (2e-3, 5e-3); LayerNormalization divides rounded inputs by the row's deviation (~0.6) and
// multiplies by a rounded scale (5e-3, 5e-3).
Tol Fp16Tolerance(Tol fp32) {
  if (fp32.atol == 0 && fp32.rtol == 0) return {1e-3, 1e-3};
  if (fp32.atol <= kInterp.atol && fp32.rtol <= kInterp.rtol) return {2e-3, 5e-3};
  return {5e-3, 5e-3};
}

void CheckFp16(const std::string& op, const model::Graph& graph,
               const std::vector<TensorView>& feeds, const std::vector<HostTensor>& want,
               Tol fp32) {
  if (Fp16Backend() == nullptr) return;  // no fp16 on this device: the fp32 checks stand
  auto got = RunGraph(*Fp16Backend(), graph, feeds);
  ASSERT_TRUE(got.ok()) << op << " fp16: " << got.status().ToString();
  EXPECT_TRUE(got->stats.fp16) << op << ": " << got->stats.precision;
  EXPECT_EQ(got->stats.gpu_nodes, 1) << op << " fp16 did not run on the GPU";
  const Tol tol = Fp16Tolerance(fp32);
  for (size_t o = 0; o < want.size(); ++o) {
    const double worst = WorstRatio(got->outputs[o], want[o], tol.atol, tol.rtol);
    EXPECT_LE(worst, 1.0) << op << " fp16 output " << o << ": worst |diff| / tolerance = " << worst;
  }
}

void CheckOp(const std::string& op, const model::Attributes& attrs, std::vector<Arg> inputs,
             Tol tol, int num_outputs = 1) {
  std::vector<TensorView> feeds;
  const model::Graph graph = OneNodeGraph(op, attrs, inputs, num_outputs, &feeds);
  auto reference = CreateBackend("reference", {});
  ASSERT_TRUE(reference.ok());
  auto want = RunGraph(**reference, graph, feeds);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto got = RunGraph(SharedBackend(), graph, feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->stats.gpu_nodes, 1)
      << op << " did not run on the GPU: "
      << (got->stats.cpu_reasons.empty() ? "" : got->stats.cpu_reasons[0]);
  EXPECT_EQ(got->stats.dispatches, 1);
  for (int o = 0; o < num_outputs; ++o) {
    ASSERT_EQ(got->outputs[o].shape(), want->outputs[o].shape()) << "output " << o;
    const double worst = WorstRatio(got->outputs[o], want->outputs[o], tol.atol + 1e-30, tol.rtol);
    EXPECT_LE(worst, 1.0) << op << " output " << o << ": worst |diff| / tolerance = " << worst;
  }
  CheckFp16(op, graph, feeds, want->outputs, tol);
}

// ---- Resize ----------------------------------------------------------------------------------

void CheckResize(const std::string& mode, const std::string& coord, Shape in,
                 std::vector<float> scales, Tol tol, model::Attributes extra = {}) {
  model::Attributes a = Str(Str(extra, "mode", mode), "coordinate_transformation_mode", coord);
  const int64_t n = static_cast<int64_t>(scales.size());
  std::vector<Arg> inputs = {In(RandomF32(in, 40)), Arg{}, Const(MakeF32({n}, scales))};
  if (coord == "tf_crop_and_resize") {
    std::vector<float> roi(2 * scales.size(), 0.0f);
    for (size_t i = 0; i < scales.size(); ++i) {
      roi[i] = i < 2 ? 0.0f : 0.2f;
      roi[scales.size() + i] = i < 2 ? 1.0f : 1.1f;  // past the end: extrapolated
    }
    inputs[1] = Const(MakeF32({2 * n}, roi));
  }
  SCOPED_TRACE(mode + " " + coord);
  CheckOp("Resize", a, inputs, tol);
}

TEST(VulkanResize, nearest_every_coordinate_mode_up_and_down) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (const char* coord : {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                            "align_corners", "asymmetric", "tf_half_pixel_for_nn"}) {
    CheckResize("nearest", coord, {1, 2, 5, 7}, {1, 1, 2.0f, 0.6f}, kExact);
  }
  model::Attributes fill;
  fill.SetFloat("extrapolation_value", -3.5f);
  CheckResize("nearest", "tf_crop_and_resize", {1, 2, 5, 7}, {1, 1, 1.6f, 1.3f}, kExact, fill);
}

TEST(VulkanResize, nearest_rounding_modes) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (const char* rounding : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
    model::Attributes a;
    a.SetString("nearest_mode", rounding);
    SCOPED_TRACE(rounding);
    CheckResize("nearest", "asymmetric", {1, 1, 4, 6}, {1, 1, 2.5f, 0.75f}, kExact, a);
  }
}

TEST(VulkanResize, linear_every_coordinate_mode) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (const char* coord : {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                            "align_corners", "asymmetric", "tf_crop_and_resize"}) {
    CheckResize("linear", coord, {2, 3, 6, 5}, {1, 1, 1.5f, 2.4f}, kInterp);
  }
}

TEST(VulkanResize, cubic_with_exclude_outside_and_downscale) {
  MOTA_SKIP_WITHOUT_VULKAN();
  model::Attributes a;
  a.SetInt("exclude_outside", 1);
  a.SetFloat("cubic_coeff_a", -0.5f);
  CheckResize("cubic", "half_pixel", {1, 2, 9, 8}, {1, 1, 0.5f, 1.75f}, kInterp, a);
}

TEST(VulkanResize, sizes_on_chosen_axes_keeping_the_aspect_ratio) {
  MOTA_SKIP_WITHOUT_VULKAN();
  model::Attributes a = Str(Str({}, "mode", "linear"), "keep_aspect_ratio_policy", "not_larger");
  a.SetInts("axes", {2, 3});
  CheckOp("Resize", a,
          {In(RandomF32({1, 3, 6, 8}, 41)), Arg{}, Arg{}, Const(MakeI64({2}, {9, 20}))}, kInterp);
}

TEST(VulkanResize, antialias_stays_on_the_cpu_with_a_reason) {
  MOTA_SKIP_WITHOUT_VULKAN();
  model::Attributes a = Str({}, "mode", "linear");
  a.SetInt("antialias", 1);
  // The graph views the args' data: they must outlive it.
  const std::vector<Arg> args = {In(RandomF32({1, 1, 8, 8}, 42)), Arg{},
                                 Const(MakeF32({4}, {1, 1, .5f, .5f}))};
  std::vector<TensorView> feeds;
  const model::Graph g = OneNodeGraph("Resize", a, args, 1, &feeds);
  auto got = RunGraph(SharedBackend(), g, feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->stats.gpu_nodes, 0);
  ASSERT_EQ(got->stats.cpu_reasons.size(), 1u);
  EXPECT_NE(got->stats.cpu_reasons[0].find("antialias"), std::string::npos)
      << got->stats.cpu_reasons[0];
}

// ---- LayerNormalization ----------------------------------------------------------------------

TEST(VulkanLayerNorm, last_axis_with_scale_and_bias) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // Rows longer than a workgroup, offset from zero so the two-pass variance matters.
  CheckOp("LayerNormalization", {},
          {In(RandomF32({2, 7, 300}, 50, 3.0f, 5.0f)), Const(RandomF32({300}, 51)),
           Const(RandomF32({300}, 52))},
          kNorm);
}

TEST(VulkanLayerNorm, axis_1_broadcast_scale_no_bias_and_stats_outputs) {
  MOTA_SKIP_WITHOUT_VULKAN();
  model::Attributes a;
  a.SetInt("axis", 1);
  a.SetFloat("epsilon", 1e-3f);
  CheckOp("LayerNormalization", a, {In(RandomF32({3, 4, 5}, 53)), Const(RandomF32({1, 5}, 54))},
          kNorm, 3);
}

TEST(VulkanLayerNorm, runtime_scale) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("LayerNormalization", {},
          {In(RandomF32({4, 64}, 55)), In(RandomF32({64}, 56)), In(RandomF32({64}, 57))}, kNorm);
}

// ---- Pad -------------------------------------------------------------------------------------

TEST(VulkanPad, every_mode_with_crop) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (const char* mode : {"constant", "reflect", "edge", "wrap"}) {
    SCOPED_TRACE(mode);
    // Pads longer than the axis (reflect and wrap go around more than once), a negative pad.
    CheckOp("Pad", Str({}, "mode", mode),
            {In(RandomF32({1, 3, 4, 5}, 60)), Const(MakeI64({8}, {0, 1, 6, 2, 0, 0, -1, 7})),
             Const(MakeF32({}, {2.5f}))},
            kExact);
  }
}

TEST(VulkanPad, axes_input_and_default_value) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Pad", {},
          {In(RandomF32({2, 3, 4}, 61)), Const(MakeI64({4}, {1, 2, 3, 0})), Arg{},
           Const(MakeI64({2}, {-1, 0}))},
          kExact);
}

// ---- Slice -----------------------------------------------------------------------------------

TEST(VulkanSlice, steps_negative_indices_and_clamping) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Slice", {},
          {In(RandomF32({3, 10, 8}, 70)), Const(MakeI64({3}, {-1, 1, 100})),
           Const(MakeI64({3}, {-100, 1000, -100})), Const(MakeI64({3}, {1, 2, 0})),
           Const(MakeI64({3}, {-3, 2, -1}))},
          kExact);
}

TEST(VulkanSlice, default_axes_and_steps_int32) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Slice", {},
          {In(RandomF32({4, 6}, 71)), Const(MakeI32({2}, {1, 2})), Const(MakeI32({2}, {3, 5}))},
          kExact);
}

// ---- Gather ----------------------------------------------------------------------------------

TEST(VulkanGather, int64_indices_on_every_axis_negative_and_repeated) {
  MOTA_SKIP_WITHOUT_VULKAN();
  for (int64_t axis : {0, 1, 2, -1}) {
    model::Attributes a;
    a.SetInt("axis", axis);
    SCOPED_TRACE(axis);
    CheckOp("Gather", a, {In(RandomF32({4, 5, 3}, 80)), In(MakeI64({2, 2}, {0, -1, 2, 2}))},
            kExact);
  }
}

TEST(VulkanGather, constant_int32_indices_and_scalar_index) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Gather", {}, {In(RandomF32({6, 4}, 81)), Const(MakeI32({3}, {5, 0, -6}))}, kExact);
  CheckOp("Gather", {}, {In(RandomF32({6, 4}, 82)), In(MakeI64({}, {3}))}, kExact);
}

TEST(VulkanGather, embedding_table_constant_runtime_token_ids) {
  MOTA_SKIP_WITHOUT_VULKAN();
  CheckOp("Gather", {},
          {Const(RandomF32({50, 16}, 83)), In(MakeI64({1, 7}, {1, 49, 3, 3, 0, 7, 12}))}, kExact);
}

TEST(VulkanGather, constant_index_out_of_range_fails_prepare_and_names_it) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const std::vector<Arg> args = {In(RandomF32({6, 4}, 84)), Const(MakeI64({2}, {1, 6}))};
  std::vector<TensorView> feeds;
  const model::Graph g = OneNodeGraph("Gather", {}, args, 1, &feeds);
  auto got = RunGraph(SharedBackend(), g, feeds);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("index 6"), std::string::npos) << got.status().ToString();
}

TEST(VulkanGather, runtime_index_out_of_range_poisons_the_row_with_nan) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const std::vector<Arg> args = {In(RandomF32({6, 4}, 85)),
                                 In(MakeI64({3}, {1, 6, int64_t{1} << 33}))};
  std::vector<TensorView> feeds;
  const model::Graph g = OneNodeGraph("Gather", {}, args, 1, &feeds);
  auto got = RunGraph(SharedBackend(), g, feeds);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->stats.gpu_nodes, 1);
  const float* y = got->outputs[0].as<float>();
  EXPECT_FALSE(std::isnan(y[0]));
  for (int i = 4; i < 12; ++i) EXPECT_TRUE(std::isnan(y[i])) << "element " << i << " = " << y[i];
}

}  // namespace
}  // namespace mota::exec::vk::testing
