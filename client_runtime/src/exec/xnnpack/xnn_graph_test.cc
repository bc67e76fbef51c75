// Multi-node graphs on the auto backend: layout handling between XNNPACK partitions, NHWC-mode
// logical ops and NCHW logical ops, graph inputs/outputs at the edges, and arena reuse.
#include <gtest/gtest.h>

#include "exec/xnnpack/xnn_test_util.h"

namespace mota::exec::xnn {
namespace {

using testing::Attrs;
using testing::ExpectMatchesReference;
using testing::GraphBuilder;
using testing::Tolerance;

constexpr Tolerance kConvTol{1e-4f, 1e-5f};

model::Attributes Pad1() {
  model::Attributes a;
  a.SetInts("pads", {1, 1, 1, 1});
  a.SetString("activation", "Relu");
  return a;
}

StepPlan XnnOnlySteps(const GraphBuilder& b, ExecutionPlan* plan) {
  StepPlanOptions options;
  options.nhwc_kernels = false;
  Result<StepPlan> steps = b.Steps(plan, options);
  EXPECT_TRUE(steps.ok()) << steps.status().ToString();
  return steps.ok() ? std::move(*steps) : StepPlan{};
}

// squeezenet's fire module: the Concat runs on NHWC data (axis 1 -> 3), so the only transposes
// are the graph input (to NHWC) and the graph output (to NCHW).
TEST(XnnGraph, ConcatOnChannelsNeedsNoTransposes) {
  GraphBuilder b;
  const int32_t x = b.Input("x", {1, 6, 9, 9}, 1);
  const int32_t squeeze = b.Node("Conv", Pad1(), {x, b.ConstF32("w0", {4, 6, 3, 3}, 2)});
  const int32_t e1 = b.Node("Conv", Attrs(), {squeeze, b.ConstF32("w1", {5, 4, 1, 1}, 3)});
  const int32_t e3 = b.Node("Conv", Pad1(),
                            {squeeze, b.ConstF32("w3", {7, 4, 3, 3}, 4), b.ConstF32("b3", {7}, 5)});
  model::Attributes axis;
  axis.SetInt("axis", 1);
  const int32_t cat = b.Node("Concat", axis, {e1, e3});
  b.Output(b.Node("Conv", Pad1(), {cat, b.ConstF32("w4", {3, 12, 3, 3}, 6)}));
  ExecutionPlan plan;
  const StepPlan steps = XnnOnlySteps(b, &plan);
  EXPECT_EQ(steps.xnn_nodes, 4);
  EXPECT_EQ(steps.partitions, 2);
  EXPECT_EQ(steps.transposes, 2);
  ExpectMatchesReference(b, kConvTol);
}

// A node whose output nobody reads (a dead branch) still gets memory inside a partition.
TEST(XnnGraph, UnreadOutputInsidePartitionRuns) {
  GraphBuilder b;
  const int32_t x = b.Input("x", {1, 6, 5, 5}, 1);
  const int32_t conv = b.Node("Conv", Pad1(), {x, b.ConstF32("w0", {4, 6, 3, 3}, 2)});
  b.Node("Softmax", Attrs(), {b.Node("Flatten", Attrs(), {conv})});  // dead
  b.Output(b.Node("Conv", Pad1(), {conv, b.ConstF32("w1", {3, 4, 3, 3}, 3)}));
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnGraph, NegativeConcatAxisIsRemapped) {
  GraphBuilder b;
  const int32_t x = b.Input("x", {2, 3, 6, 5}, 1);
  const int32_t c1 = b.Node("Conv", Pad1(), {x, b.ConstF32("w0", {4, 3, 3, 3}, 2)});
  const int32_t c2 = b.Node("Conv", Pad1(), {x, b.ConstF32("w1", {4, 3, 3, 3}, 3)});
  model::Attributes axis;
  axis.SetInt("axis", -1);  // width
  b.Output(b.Node("Concat", axis, {c1, c2}));
  ExpectMatchesReference(b, kConvTol);
}

// Flatten of a layout-sensitive tensor runs on NCHW data: one transpose before it.
TEST(XnnGraph, ConvFlattenGemm) {
  GraphBuilder b;
  const int32_t conv =
      b.Node("Conv", Pad1(), {b.Input("x", {1, 3, 5, 5}, 1), b.ConstF32("w", {8, 3, 3, 3}, 2)});
  const int32_t flat = b.Node("Flatten", Attrs(), {conv});
  model::Attributes gemm;
  gemm.SetInt("transB", 1);
  b.Output(b.Node("Gemm", gemm, {flat, b.ConstF32("fc", {10, 200}, 3), b.ConstF32("fb", {10}, 4)}));
  ExecutionPlan plan;
  const StepPlan steps = XnnOnlySteps(b, &plan);
  EXPECT_EQ(steps.xnn_nodes, 2);
  EXPECT_EQ(steps.transposes, 2);  // input to NHWC, conv output to NCHW for Flatten
  ExpectMatchesReference(b, kConvTol);
}

// After global pooling the tensor is [N, C, 1, 1]: the same bytes in both layouts, so the
// classifier head stays in one partition.
TEST(XnnGraph, PooledHeadIsOnePartition) {
  GraphBuilder b;
  const int32_t conv =
      b.Node("Conv", Pad1(), {b.Input("x", {1, 3, 8, 8}, 1), b.ConstF32("w", {16, 3, 3, 3}, 2)});
  const int32_t gap = b.Node("GlobalAveragePool", Attrs(), {conv});
  const int32_t flat = b.Node("Flatten", Attrs(), {gap});
  model::Attributes gemm;
  gemm.SetInt("transB", 1);
  const int32_t fc =
      b.Node("Gemm", gemm, {flat, b.ConstF32("fc", {10, 16}, 3), b.ConstF32("fb", {10}, 4)});
  model::Attributes softmax;
  softmax.SetInt("axis", -1);
  b.Output(b.Node("Softmax", softmax, {fc}));
  ExecutionPlan plan;
  const StepPlan steps = XnnOnlySteps(b, &plan);
  EXPECT_EQ(steps.xnn_nodes, 5);
  EXPECT_EQ(steps.partitions, 1);
  EXPECT_EQ(steps.transposes, 1);
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnGraph, LogicalTransposeBetweenConvs) {
  GraphBuilder b;
  const int32_t c1 =
      b.Node("Conv", Pad1(), {b.Input("x", {1, 4, 7, 5}, 1), b.ConstF32("w", {6, 4, 3, 3}, 2)});
  model::Attributes perm;
  perm.SetInts("perm", {0, 1, 3, 2});
  const int32_t t = b.Node("Transpose", perm, {c1});
  b.Output(b.Node("Conv", Pad1(), {t, b.ConstF32("w2", {3, 6, 3, 3}, 3)}));
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnGraph, ReduceMeanBetweenConvs) {
  GraphBuilder b;
  const int32_t c1 =
      b.Node("Conv", Pad1(), {b.Input("x", {2, 4, 6, 6}, 1), b.ConstF32("w", {6, 4, 3, 3}, 2)});
  model::Attributes keep;
  keep.SetInt("keepdims", 1);
  const int32_t mean = b.Node("ReduceMean", keep, {c1, b.ConstI64("axes", {3})});
  b.Output(b.Node("Conv", Attrs(), {mean, b.ConstF32("w2", {5, 6, 1, 1}, 3)}));
  ExpectMatchesReference(b, kConvTol);
}

// An intermediate that is also a graph output, a graph input read by both kinds of steps, and an
// elementwise logical op (Tanh) run on NHWC data.
TEST(XnnGraph, SharedTensorsAndEdges) {
  GraphBuilder b;
  const int32_t x = b.Input("x", {1, 4, 6, 6}, 1);
  const int32_t c1 = b.Node("Conv", Pad1(), {x, b.ConstF32("w", {4, 4, 3, 3}, 2)});
  const int32_t th = b.Node("Tanh", Attrs(), {c1});
  const int32_t sum = b.Node("Add", Attrs(), {th, x});
  const int32_t c2 = b.Node("Conv", Pad1(), {sum, b.ConstF32("w2", {4, 4, 3, 3}, 3)});
  b.Output(c1);
  b.Output(c2);
  b.Output(th);
  ExpectMatchesReference(b, kConvTol);
}

// Elementwise work on a tensor a logical kernel produced in NCHW stays on NCHW kernels.
TEST(XnnGraph, ElementwiseAfterLogicalOpAvoidsTransposes) {
  GraphBuilder b;
  model::Attributes perm;
  perm.SetInts("perm", {0, 1, 3, 2});
  const int32_t t = b.Node("Transpose", perm, {b.Input("x", {1, 4, 6, 5}, 1)});
  const int32_t scaled = b.Node("Mul", Attrs(), {t, b.ConstF32("s", {1}, 2)});
  model::Attributes softmax;
  softmax.SetInt("axis", -1);
  b.Output(b.Node("Softmax", softmax, {scaled}));
  ExecutionPlan plan;
  const StepPlan steps = XnnOnlySteps(b, &plan);
  EXPECT_EQ(steps.xnn_nodes, 0);
  EXPECT_EQ(steps.transposes, 0);
  ExpectMatchesReference(b, {1e-6f, 1e-7f});
}

TEST(XnnGraph, TwoInputsMlp) {
  GraphBuilder b;
  const int32_t x = b.Input("x", {2, 32}, 1);
  const int32_t y = b.Input("y", {2, 16}, 2);
  model::Attributes relu;
  relu.SetString("activation", "Relu");
  const int32_t h = b.Node("MatMul", Attrs(), {x, b.ConstF32("w", {32, 16}, 3)});
  const int32_t a = b.Node("Add", relu, {h, y});
  b.Output(b.Node("Gemm", Attrs(), {a, b.ConstF32("w2", {16, 4}, 4), b.ConstF32("b2", {4}, 5)}));
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnGraph, ArenaIsReusedAlongAChain) {
  GraphBuilder b;
  int32_t t = b.Input("x", {1, 8, 16, 16}, 1);
  for (int i = 0; i < 6; ++i) {
    t = b.Node("Conv", Pad1(), {t, b.ConstF32("w" + std::to_string(i), {8, 8, 3, 3}, 10 + i)});
    t = b.Node("Tanh", Attrs(),
               {t});  // splits partitions: every conv output crosses a step boundary
  }
  b.Output(t);
  ExecutionPlan plan;
  const StepPlan steps = XnnOnlySteps(b, &plan);
  const size_t tensor_bytes = 8 * 16 * 16 * sizeof(float);
  EXPECT_LE(steps.arena_size, 3 * tensor_bytes);
  EXPECT_EQ(steps.transposes, 2);
  ExpectMatchesReference(b, {1e-4f, 1e-5f});
}

}  // namespace
}  // namespace mota::exec::xnn
