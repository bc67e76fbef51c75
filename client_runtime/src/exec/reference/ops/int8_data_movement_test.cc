// The data-movement ops of quantized graphs (manifests/spec/quantization.md: MaxPool, Reshape,
// Flatten, Transpose, Squeeze, Unsqueeze, Slice, Split, Gather, Pad, Resize nearest, Concat) run
// directly on i8 tensors, with exact results, on the reference and the auto backend. Values
// include -128 and 127 so a sign or width slip shows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI64;
using testing::MakeI8;
using testing::OpInput;
using testing::RunOp;

std::vector<int8_t> I8Values(const HostTensor& t) {
  EXPECT_EQ(t.dtype(), DType::kI8) << "output dtype " << DTypeName(t.dtype());
  return std::vector<int8_t>(t.as<int8_t>(), t.as<int8_t>() + t.numel());
}

class Int8DataMovement : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs the op on this test's backend; outputs in order, empty on failure (reported).
  std::vector<HostTensor> Run(const std::string& op, const model::Attributes& attrs,
                              std::vector<OpInput> in, int outputs = 1) {
    auto out = RunOp(op, attrs, std::move(in), outputs, GetParam());
    EXPECT_TRUE(out.ok()) << op << " on " << GetParam() << ": " << out.status().ToString();
    return out.ok() ? std::move(*out) : std::vector<HostTensor>(outputs);
  }
  void Expect(const HostTensor& t, const Shape& shape, const std::vector<int8_t>& values) {
    EXPECT_EQ(t.shape(), shape);
    EXPECT_EQ(I8Values(t), values);
  }
};

const std::vector<int8_t> kSix = {-128, 5, -3, 7, -100, 127};  // shape [2, 3] in most tests

TEST_P(Int8DataMovement, MaxPool) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 1, 2, 3}, kSix)});
  auto out = Run("MaxPool", attrs, std::move(in));
  Expect(out[0], {1, 1, 1, 2}, {7, 127});
}

TEST_P(Int8DataMovement, MaxPoolWithPaddingNeverPicksThePad) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  attrs.SetInts("pads", {1, 1, 0, 0});
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 1, 1, 2}, {-128, -100})});
  auto out = Run("MaxPool", attrs, std::move(in));
  Expect(out[0], {1, 1, 1, 2}, {-128, -100});
}

TEST_P(Int8DataMovement, Reshape) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  in.push_back({MakeI64({2}, {3, -1}), true});
  Expect(Run("Reshape", {}, std::move(in))[0], {3, 2}, kSix);
}

TEST_P(Int8DataMovement, Flatten) {
  model::Attributes attrs;
  attrs.SetInt("axis", 2);
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 2, 3}, kSix)});
  Expect(Run("Flatten", attrs, std::move(in))[0], {2, 3}, kSix);
}

TEST_P(Int8DataMovement, Transpose) {
  model::Attributes attrs;
  attrs.SetInts("perm", {1, 0});
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  Expect(Run("Transpose", attrs, std::move(in))[0], {3, 2}, {-128, 7, 5, -100, -3, 127});
}

TEST_P(Int8DataMovement, TransposeNchwToNhwc) {
  model::Attributes attrs;
  attrs.SetInts("perm", {0, 2, 3, 1});
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 2, 1, 3}, kSix)});
  Expect(Run("Transpose", attrs, std::move(in))[0], {1, 1, 3, 2}, {-128, 7, 5, -100, -3, 127});
}

TEST_P(Int8DataMovement, Squeeze) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 6, 1}, kSix)});
  in.push_back({MakeI64({2}, {0, 2}), true});
  Expect(Run("Squeeze", {}, std::move(in))[0], {6}, kSix);
}

TEST_P(Int8DataMovement, Unsqueeze) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  in.push_back({MakeI64({1}, {1}), true});
  Expect(Run("Unsqueeze", {}, std::move(in))[0], {2, 1, 3}, kSix);
}

TEST_P(Int8DataMovement, SliceWithStep) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  in.push_back({MakeI64({1}, {0}), true});  // starts
  in.push_back({MakeI64({1}, {3}), true});  // ends
  in.push_back({MakeI64({1}, {1}), true});  // axes
  in.push_back({MakeI64({1}, {2}), true});  // steps
  Expect(Run("Slice", {}, std::move(in))[0], {2, 2}, {-128, -3, 7, 127});
}

TEST_P(Int8DataMovement, Split) {
  model::Attributes attrs;
  attrs.SetInt("axis", 1);
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  in.push_back({MakeI64({2}, {1, 2}), true});
  auto out = Run("Split", attrs, std::move(in), 2);
  Expect(out[0], {2, 1}, {-128, 7});
  Expect(out[1], {2, 2}, {5, -3, -100, 127});
}

TEST_P(Int8DataMovement, Gather) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({3, 2}, kSix)});
  in.push_back({MakeI64({2}, {2, -3}), true});
  Expect(Run("Gather", {}, std::move(in))[0], {2, 2}, {-100, 127, -128, 5});
}

TEST_P(Int8DataMovement, PadConstantWithTheZeroPoint) {
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 2}, {-128, 127})});
  in.push_back({MakeI64({4}, {0, 1, 0, 2}), true});
  in.push_back({MakeI8({}, {-5}), true});  // constant_value: the tensor's zero point
  Expect(Run("Pad", {}, std::move(in))[0], {1, 5}, {-5, -128, 127, -5, -5});
}

TEST_P(Int8DataMovement, ResizeNearest) {
  model::Attributes attrs;
  attrs.SetString("mode", "nearest");
  std::vector<OpInput> in;
  in.push_back({MakeI8({1, 1, 2, 2}, {-128, 5, 7, 127})});
  in.push_back({HostTensor()});                                  // roi
  in.push_back({MakeF32({4}, {1.0f, 1.0f, 2.0f, 2.0f}), true});  // scales
  Expect(Run("Resize", attrs, std::move(in))[0], {1, 1, 4, 4},
         {-128, -128, 5, 5, -128, -128, 5, 5, 7, 7, 127, 127, 7, 7, 127, 127});
}

TEST_P(Int8DataMovement, Concat) {
  model::Attributes attrs;
  attrs.SetInt("axis", 1);
  std::vector<OpInput> in;
  in.push_back({MakeI8({2, 3}, kSix)});
  in.push_back({MakeI8({2, 1}, {-1, 1})});
  Expect(Run("Concat", attrs, std::move(in))[0], {2, 4}, {-128, 5, -3, -1, 7, -100, 127, 1});
}

INSTANTIATE_TEST_SUITE_P(Backends, Int8DataMovement, ::testing::Values("reference", "auto"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace mota::exec
