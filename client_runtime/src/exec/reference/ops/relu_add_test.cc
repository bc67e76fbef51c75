#include <gtest/gtest.h>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::RunOp;
using testing::ToFloats;

TEST(AddOp, BroadcastsRowVector) {
  std::vector<testing::OpInput> in;
  in.push_back({MakeF32({2, 2}, {1, 2, 3, 4})});
  in.push_back({MakeF32({2}, {10, 20})});
  auto out = RunOp("Add", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{11, 22, 13, 24}));
}

TEST(AddOp, IncompatibleShapesNameBothShapes) {
  std::vector<testing::OpInput> in;
  in.push_back({MakeF32({2, 3}, {1, 2, 3, 4, 5, 6})});
  in.push_back({MakeF32({2}, {10, 20})});
  auto out = RunOp("Add", {}, std::move(in));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("[2,3]"), std::string::npos) << out.status().message();
}

TEST(ReluOp, ClampsNegatives) {
  std::vector<testing::OpInput> in;
  in.push_back({MakeF32({3}, {-1, 0, 2})});
  auto out = RunOp("Relu", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 0, 2}));
}

}  // namespace
}  // namespace mota::exec
