#include "converter/src/writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/aligned_buffer.h"
#include "model/loader.h"

namespace mota::converter {
namespace {

model::Attribute Ints(std::string name, std::vector<int64_t> v) {
  model::Attribute a;
  a.name = std::move(name);
  a.kind = model::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

model::Attribute Float(std::string name, float f) {
  model::Attribute a;
  a.name = std::move(name);
  a.kind = model::Attribute::Kind::kFloat;
  a.f = f;
  return a;
}

// x[1,8,4,4] -> `count` MaxPool nodes with the same attributes -> y. Node i's attributes differ
// from the others only when `vary` is set (its kernel is 1 + i).
model::Graph Chain(int count, bool vary = false) {
  model::Graph g;
  auto add = [&](const std::string& name) {
    model::TensorInfo t;
    t.name = name;
    t.dtype = DType::kF32;
    t.has_shape = true;
    for (int64_t d : {1, 8, 4, 4}) t.dims.push_back(model::Dim{d, ""});
    return g.AddTensor(std::move(t));
  };
  int32_t prev = add("x");
  g.inputs.push_back(prev);
  for (int i = 0; i < count; ++i) {
    model::Node n;
    n.name = "pool_" + std::to_string(i);
    n.op_type = "MaxPool";
    n.attrs.Set(Ints("kernel_shape", {vary ? 1 + i : 1, 1}));
    n.attrs.Set(Ints("pads", {0, 0, 0, 0}));
    n.attrs.Set(Float("unused_alpha", 0.25f));
    n.inputs = {prev};
    prev = add("t" + std::to_string(i));
    n.outputs = {prev};
    g.nodes.push_back(std::move(n));
  }
  g.outputs.push_back(prev);
  g.metadata.producer = "writer test";
  g.metadata.precision = "fp32";
  return g;
}

Result<model::Graph> RoundTrip(const std::vector<uint8_t>& bytes, AlignedBuffer& aligned) {
  aligned.Resize(bytes.size());  // the loader reads 8-byte vectors in place
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  return model::ParseModel({aligned.data(), bytes.size()}, nullptr);
}

TEST(Writer, RepeatedAttributesShapesAndOpNamesAreStoredOnce) {
  auto one = SerializeModel(Chain(1));
  auto many = SerializeModel(Chain(41));
  auto varied = SerializeModel(Chain(41, /*vary=*/true));
  ASSERT_TRUE(one.ok() && many.ok() && varied.ok());
  // Each further node adds its own table, name, input / output lists and output tensor (table and
  // name), ~90 bytes; its op name, attributes and shape are the first node's. Writing them again
  // cost ~230 bytes a node.
  const double per_node = (many->size() - one->size()) / 40.0;
  EXPECT_LT(per_node, 100.0) << one->size() << " bytes with 1 node, " << many->size() << " with 41";
  // A differing attribute is written for its node only, not a whole new attribute list each.
  const double per_varied = (varied->size() - one->size()) / 40.0;
  EXPECT_GT(per_varied, per_node);
  EXPECT_LT(per_varied, per_node + 80.0);
}

TEST(Writer, SharedObjectsReadBackAsSeparateEqualValues) {
  for (bool vary : {false, true}) {
    const model::Graph g = Chain(5, vary);
    auto bytes = SerializeModel(g);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    AlignedBuffer aligned;
    auto back = RoundTrip(*bytes, aligned);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->nodes.size(), g.nodes.size());
    ASSERT_EQ(back->tensors.size(), g.tensors.size());
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const model::Node& a = g.nodes[i];
      const model::Node& b = back->nodes[i];
      EXPECT_EQ(b.name, a.name);
      EXPECT_EQ(b.op_type, a.op_type);
      EXPECT_EQ(b.inputs, a.inputs);
      EXPECT_EQ(b.outputs, a.outputs);
      ASSERT_EQ(b.attrs.all().size(), a.attrs.all().size());
      for (size_t k = 0; k < a.attrs.all().size(); ++k) {
        EXPECT_EQ(b.attrs.all()[k].name, a.attrs.all()[k].name);
        EXPECT_EQ(b.attrs.all()[k].ints, a.attrs.all()[k].ints);
        EXPECT_EQ(b.attrs.all()[k].f, a.attrs.all()[k].f);
      }
    }
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      EXPECT_EQ(back->tensors[i].name, g.tensors[i].name);
      EXPECT_EQ(back->tensors[i].dims, g.tensors[i].dims);
    }
    // Serializing what was read gives the same bytes: sharing is a function of the values.
    auto again = SerializeModel(*back);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *bytes);
  }
}

}  // namespace
}  // namespace mota::converter
