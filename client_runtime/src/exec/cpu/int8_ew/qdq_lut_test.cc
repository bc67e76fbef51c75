// The QDQ activation table (qdq_lut.cc): DequantizeLinear -> activation -> QuantizeLinear between
// int8 tensors. The prepared kernel must give the reference chain's byte for every one of the 256
// codes (tolerance 0), and the auto backend must run a graph holding the chain bit-identically to
// the reference backend (and keep running chains it cannot fuse).
#include <gtest/gtest.h>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/cpu/int8_ew/int8_lut.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/op_test_util.h"
#include "exec/session.h"

namespace mota::exec {
namespace {

struct ActCase {
  std::string op;
  model::Attributes attrs;
};

std::vector<ActCase> Activations() {
  std::vector<ActCase> cases = {{"HardSwish", {}}, {"Sigmoid", {}}, {"Tanh", {}}};
  model::Attributes hs, leaky;
  hs.SetFloat("alpha", 1.0f / 6);
  hs.SetFloat("beta", 0.5f);
  leaky.SetFloat("alpha", 0.1f);
  cases.push_back({"HardSigmoid", hs});
  cases.push_back({"LeakyRelu", leaky});
  return cases;
}

HostTensor Scalar(DType dtype, double v) {
  HostTensor t = HostTensor::Allocate(dtype, {});
  if (dtype == DType::kF32) *t.as<float>() = static_cast<float>(v);
  if (dtype == DType::kI8) *t.as<int8_t>() = static_cast<int8_t>(v);
  if (dtype == DType::kU8) *t.as<uint8_t>() = static_cast<uint8_t>(v);
  return t;
}

HostTensor Copy(const HostTensor& t) {
  HostTensor c = HostTensor::Allocate(t.dtype(), t.shape());
  std::memcpy(c.data(), t.data(), t.nbytes());
  return c;
}

// Every code once (byte order), as `dtype`.
HostTensor AllCodes(DType dtype, Shape shape) {
  HostTensor t = HostTensor::Allocate(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<uint8_t>(i * 7 + 3);
  return t;
}

struct Params {
  DType in = DType::kI8, out = DType::kI8;
  float x_scale = 0.05f, y_scale = 0.03f;
  int x_zp = 5, y_zp = -20;
};

const std::vector<Params>& ParamSets() {
  static const std::vector<Params> sets = {
      {DType::kI8, DType::kI8, 0.05f, 0.03f, 5, -20},
      {DType::kI8, DType::kI8, 0.0137f, 0.0071f, -128, -128},  // a tie-heavy small range
      {DType::kU8, DType::kI8, 0.1f, 0.02f, 128, 0},
      {DType::kI8, DType::kU8, 0.02f, 0.004f, 0, 0},
  };
  return sets;
}

// The reference chain, op by op.
HostTensor ReferenceChain(const ActCase& act, const Params& p, const HostTensor& x) {
  std::vector<testing::OpInput> dq;
  dq.push_back({Copy(x), false});
  dq.push_back({Scalar(DType::kF32, p.x_scale), true});
  dq.push_back({Scalar(p.in, p.x_zp), true});
  auto r = testing::RunOp("DequantizeLinear", {}, std::move(dq));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<testing::OpInput> a;
  a.push_back({std::move((*r)[0]), false});
  auto f = testing::RunOp(act.op, act.attrs, std::move(a));
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  std::vector<testing::OpInput> q;
  q.push_back({std::move((*f)[0]), false});
  q.push_back({Scalar(DType::kF32, p.y_scale), true});
  q.push_back({Scalar(p.out, p.y_zp), true});
  auto y = testing::RunOp("QuantizeLinear", {}, std::move(q));
  EXPECT_TRUE(y.ok()) << y.status().ToString();
  return std::move((*y)[0]);
}

const PreparedKernelFactory* LutFactory() {
  for (const PreparedKernelFactory* f : PreparedKernelFactories())
    if (std::string(f->name) == "int8_qdq_lut") return f;
  return nullptr;
}

TEST(QdqLut, EveryCodeMatchesTheReferenceChain) {
  const PreparedKernelFactory* factory = LutFactory();
  ASSERT_NE(factory, nullptr);
  for (const ActCase& act : Activations()) {
    for (const Params& p : ParamSets()) {
      const HostTensor x = AllCodes(p.in, {1, 4, 8, 8});  // 256 elements, every code once
      const HostTensor want = ReferenceChain(act, p, x);
      HostTensor xs = Scalar(DType::kF32, p.x_scale), xz = Scalar(p.in, p.x_zp);
      HostTensor ys = Scalar(DType::kF32, p.y_scale), yz = Scalar(p.out, p.y_zp);
      model::Node node;
      node.name = "chain";
      node.op_type = "mota.QdqUnary";
      node.attrs = act.attrs;
      node.attrs.SetString("mota_qdq_activation", act.op);
      const TensorView prep_in[5] = {
          {p.in, x.shape(), nullptr}, xs.view(), xz.view(), ys.view(), yz.view()};
      const TensorView prep_out[1] = {{p.out, x.shape(), nullptr}};
      auto kernel = factory->create(node, std::span<const TensorView>(prep_in),
                                    std::span<const TensorView>(prep_out));
      ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
      ASSERT_NE(*kernel, nullptr) << act.op;
      HostTensor got = HostTensor::Allocate(p.out, x.shape());
      const TensorView run_in[1] = {x.view()};
      const TensorView run_out[1] = {got.view()};
      ASSERT_TRUE((*kernel)
                      ->Run(std::span<const TensorView>(run_in),
                            std::span<const TensorView>(run_out), nullptr)
                      .ok());
      for (int64_t i = 0; i < x.numel(); ++i)
        ASSERT_EQ(got.data()[i], want.data()[i])
            << act.op << " code byte " << int{x.data()[i]} << " x_scale " << p.x_scale;
    }
  }
}

TEST(QdqLut, PortableAndVbmiLookupsAgree) {
  uint8_t table[256], src[1000], a[1000], b[1000];
  for (int i = 0; i < 256; ++i) table[i] = static_cast<uint8_t>(255 - i * 3);
  for (int i = 0; i < 1000; ++i) src[i] = static_cast<uint8_t>(i * 13 + 1);
  int8_ew::LutPortable(table, src, 1000, a);
  int8_ew::BestLut()(table, src, 1000, b);
  EXPECT_EQ(std::memcmp(a, b, sizeof(a)), 0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a[i], table[src[i]]);
}

TEST(QdqLut, NonActivationMiddleOpsAndPerChannelScalesAreDeclined) {
  const PreparedKernelFactory* factory = LutFactory();
  ASSERT_NE(factory, nullptr);
  HostTensor s = Scalar(DType::kF32, 0.1f), z = Scalar(DType::kI8, 0);
  HostTensor s2 = HostTensor::Allocate(DType::kF32, {2});
  s2.as<float>()[0] = s2.as<float>()[1] = 0.1f;
  model::Node node;
  node.op_type = "mota.QdqUnary";
  node.attrs.SetString("mota_qdq_activation", "Softmax");  // not elementwise
  const TensorView in[5] = {
      {DType::kI8, {1, 2, 3, 3}, nullptr}, s.view(), z.view(), s.view(), z.view()};
  const TensorView out[1] = {{DType::kI8, {1, 2, 3, 3}, nullptr}};
  auto k = factory->create(node, std::span<const TensorView>(in), std::span<const TensorView>(out));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, nullptr);
  node.attrs.SetString("mota_qdq_activation", "HardSwish");
  const TensorView per_channel[5] = {in[0], s2.view(), z.view(), s.view(), z.view()};
  k = factory->create(node, std::span<const TensorView>(per_channel),
                      std::span<const TensorView>(out));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, nullptr);
}

// input x (i8) -> DequantizeLinear -> act -> QuantizeLinear -> y (i8), run on a backend.
HostTensor RunChainGraph(const std::string& backend_name, const ActCase& act, bool extra_reader) {
  model::Graph g;
  const auto tensor = [&](const std::string& name, DType dtype) {
    model::TensorInfo t;
    t.name = name;
    t.dtype = dtype;
    t.has_shape = true;
    for (int64_t d : {1, 8, 16, 16}) t.dims.push_back(model::Dim{d, ""});
    return g.AddTensor(std::move(t));
  };
  const float xs = 0.04f, ys = 0.02f;
  const int8_t xz = 3, yz = -60;
  const auto bytes = [](const void* p, size_t n) {
    return std::vector<uint8_t>(static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
  };
  const int32_t x = tensor("x", DType::kI8);
  const int32_t x_scale = g.AddConstant("x_scale", DType::kF32, {}, bytes(&xs, 4));
  const int32_t x_zp = g.AddConstant("x_zp", DType::kI8, {}, bytes(&xz, 1));
  const int32_t y_scale = g.AddConstant("y_scale", DType::kF32, {}, bytes(&ys, 4));
  const int32_t y_zp = g.AddConstant("y_zp", DType::kI8, {}, bytes(&yz, 1));
  const int32_t r = tensor("r", DType::kF32), a = tensor("a", DType::kF32);
  const int32_t y = tensor("y", DType::kI8);
  const auto node = [&](const std::string& op, std::vector<int32_t> in, int32_t out,
                        model::Attributes attrs = {}) {
    model::Node n;
    n.name = op;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs = {out};
    n.attrs = std::move(attrs);
    g.nodes.push_back(std::move(n));
  };
  node("DequantizeLinear", {x, x_scale, x_zp}, r);
  node(act.op, {r}, a, act.attrs);
  node("QuantizeLinear", {a, y_scale, y_zp}, y);
  g.inputs = {x};
  g.outputs = {y};
  if (extra_reader) g.outputs.push_back(a);  // the f32 value escapes: no fusion
  EXPECT_TRUE(g.Validate().ok());
  auto backend = CreateBackend(backend_name, {});
  EXPECT_TRUE(backend.ok());
  auto session = Session::Create(g, std::move(*backend));
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  const HostTensor in = AllCodes(DType::kI8, {1, 8, 16, 16});
  const TensorView v = in.view();
  auto out = (*session)->Run({&v, 1});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return std::move((*out)[0]);
}

TEST(QdqLut, AutoBackendRunsTheChainLikeTheReference) {
  for (const ActCase& act : Activations()) {
    for (bool extra_reader : {false, true}) {
      const HostTensor want = RunChainGraph("reference", act, extra_reader);
      const HostTensor got = RunChainGraph("auto", act, extra_reader);
      ASSERT_EQ(got.nbytes(), want.nbytes());
      if (extra_reader) continue;  // unfused: the activation may run on XNNPACK (not bit-exact)
      for (size_t i = 0; i < want.nbytes(); ++i)
        ASSERT_EQ(got.data()[i], want.data()[i]) << act.op << " element " << i;
    }
  }
}

}  // namespace
}  // namespace mota::exec
