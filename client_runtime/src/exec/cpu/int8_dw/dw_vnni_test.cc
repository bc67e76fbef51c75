// Differential tests of the AVX512-VNNI depthwise QLinearConv ("int8_dwconv_vnni") against the
// reference kernel (the oracle), tolerance none: strides 1 / 2 / (2, 1) / 3 / 4, kernels 1..7 and
// 1x16, symmetric and asymmetric pads, channel multipliers, odd sizes, i8 / u8 codes, Relu / Clip
// and real-domain activations, extreme biases, 1 and 3 threads. On CPUs without AVX512-VNNI +
// VBMI the kernel must decline (run-time dispatch), which is checked instead.
#include "exec/cpu/int8_dw/dw_vnni.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::int8_dw {
namespace {

struct Case {
  int64_t n, c, mult, h, w, kh, kw, sh, sw;
  std::vector<int64_t> pads;  // top, left, bottom, right
  DType x_dtype, w_dtype;
  const char* act;
  int64_t bias;  // 0: no bias input; else the bias magnitude
};

uint32_t Next(uint64_t& s) {
  s = s * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(s >> 33);
}

HostTensor Codes(DType dtype, Shape shape, uint32_t seed) {
  HostTensor t = HostTensor::Allocate(dtype, shape);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 11;
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<uint8_t>(Next(s));
  return t;
}

HostTensor Scalar(DType dtype, double v) {
  HostTensor t = HostTensor::Allocate(dtype, {});
  if (dtype == DType::kF32) *t.as<float>() = static_cast<float>(v);
  if (dtype == DType::kI8) *t.as<int8_t>() = static_cast<int8_t>(v);
  if (dtype == DType::kU8) *t.as<uint8_t>() = static_cast<uint8_t>(v);
  return t;
}

int64_t Filters(const Case& d) { return d.c * d.mult; }

std::vector<HostTensor> Inputs(const Case& d, uint32_t seed) {
  std::vector<HostTensor> in;
  const bool xu8 = d.x_dtype == DType::kU8, wu8 = d.w_dtype == DType::kU8;
  const int64_t m = Filters(d);
  in.push_back(Codes(d.x_dtype, {d.n, d.c, d.h, d.w}, seed));
  in.push_back(Scalar(DType::kF32, 0.021));
  in.push_back(Scalar(d.x_dtype, xu8 ? 131 : -3));
  in.push_back(Codes(d.w_dtype, {m, 1, d.kh, d.kw}, seed + 1));
  HostTensor ws = HostTensor::Allocate(DType::kF32, {m});
  HostTensor wz = HostTensor::Allocate(d.w_dtype, {m});
  for (int64_t i = 0; i < m; ++i) {
    ws.as<float>()[i] = 0.0031f * static_cast<float>(1 + i % 7);
    wz.data()[i] = wu8 ? 128 : 0;  // symmetric weights, as the quantizer writes them
  }
  in.push_back(std::move(ws));
  in.push_back(std::move(wz));
  in.push_back(Scalar(DType::kF32, 0.02 * static_cast<double>(d.kh * d.kw)));
  in.push_back(Scalar(d.x_dtype, xu8 ? 120 : 7));
  if (d.bias != 0) {
    HostTensor b = HostTensor::Allocate(DType::kI32, {m});
    for (int64_t i = 0; i < m; ++i) {
      const int64_t v = d.bias > 100000 ? (i % 2 ? d.bias : -d.bias) : i * 997 % 4001 - 2000;
      b.as<int32_t>()[i] = static_cast<int32_t>(v);
    }
    in.push_back(std::move(b));
  }
  return in;
}

model::Attributes Attrs(const Case& d) {
  model::Attributes a;
  a.SetInt("group", d.c);
  a.SetInts("strides", {d.sh, d.sw});
  a.SetInts("pads", {d.pads[0], d.pads[1], d.pads[2], d.pads[3]});
  if (d.act != nullptr) {
    a.SetString("activation", d.act);
    a.SetFloat("activation_alpha", std::string(d.act) == "Clip" ? 0.0f : 0.1f);
    a.SetFloat("activation_beta", std::string(d.act) == "Clip" ? 3.0f : 0.5f);
  }
  return a;
}

std::string Name(const Case& d) {
  auto s = [](int64_t v) { return std::to_string(v); };
  return "n" + s(d.n) + " c" + s(d.c) + "x" + s(d.mult) + " " + s(d.h) + "x" + s(d.w) + " k" +
         s(d.kh) + "x" + s(d.kw) + " s" + s(d.sh) + "," + s(d.sw) + " pads " + s(d.pads[0]) + "," +
         s(d.pads[1]) + "," + s(d.pads[2]) + "," + s(d.pads[3]) +
         (d.x_dtype == DType::kU8 ? " u8" : " i8") + " act " + (d.act ? d.act : "none") + " bias " +
         s(d.bias);
}

Shape OutShape(const Case& d) {
  return {d.n, Filters(d), (d.h + d.pads[0] + d.pads[2] - d.kh) / d.sh + 1,
          (d.w + d.pads[1] + d.pads[3] - d.kw) / d.sw + 1};
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  const char* acts[] = {nullptr, "Relu", "Clip", "HardSwish", "LeakyRelu", "HardSigmoid"};
  const int64_t kernels[][2] = {{3, 3}, {5, 5}, {1, 1}, {3, 5}, {7, 7}, {2, 4}, {1, 16}};
  const int64_t strides[][2] = {{1, 1}, {2, 2}, {2, 1}, {1, 2}, {3, 3}, {4, 4}};
  uint32_t i = 0;
  for (const auto& k : kernels)
    for (const auto& s : strides)
      for (int64_t w : {1, 7, 17, 33, 96}) {
        const int64_t ph = k[0] / 2, pw = k[1] / 2;
        std::vector<int64_t> pads = {ph, pw, ph, pw};
        if (i % 3 == 1) pads = {0, pw, ph + 1, 0};  // asymmetric
        const int64_t h = 1 + (i * 5) % 11;
        Case d{1 + i % 2 * (i % 5 == 1),
               1 + i % 6,
               1 + (i % 7 == 3) + (i % 11 == 5),
               h,
               w,
               k[0],
               k[1],
               s[0],
               s[1],
               pads,
               i % 3 == 0 ? DType::kU8 : DType::kI8,
               i % 4 == 1 ? DType::kU8 : DType::kI8,
               acts[i % 6],
               i % 4 != 2 ? 1 : 0};
        if (d.x_dtype == DType::kU8) d.w_dtype = DType::kU8;  // QLinearConv: same dtypes
        if (d.x_dtype == DType::kI8) d.w_dtype = DType::kI8;
        if (d.h + pads[0] + pads[2] >= d.kh && d.w + pads[1] + pads[3] >= d.kw) cases.push_back(d);
        ++i;
      }
  // PP-OCR's shapes (3x96 planes, 5x5, vertical stride 2) and a big-plane one.
  cases.push_back({1, 88, 1, 3, 96, 5, 5, 1, 1, {2, 2, 2, 2}, DType::kI8, DType::kI8, nullptr, 1});
  cases.push_back({1, 24, 1, 12, 96, 3, 3, 2, 1, {1, 1, 1, 1}, DType::kU8, DType::kU8, nullptr, 1});
  cases.push_back({1, 16, 1, 57, 57, 3, 3, 2, 2, {0, 0, 1, 1}, DType::kI8, DType::kI8, "Clip", 1});
  // Biases at the kernel's limit (2^30): the f32 products saturate.
  cases.push_back({1,
                   6,
                   1,
                   5,
                   20,
                   3,
                   3,
                   1,
                   1,
                   {1, 1, 1, 1},
                   DType::kI8,
                   DType::kI8,
                   nullptr,
                   (int64_t{1} << 30) - 3});
  cases.push_back({1,
                   6,
                   1,
                   5,
                   20,
                   3,
                   3,
                   1,
                   1,
                   {1, 1, 1, 1},
                   DType::kU8,
                   DType::kU8,
                   "HardSwish",
                   (int64_t{1} << 30) - 3});
  return cases;
}

const PreparedKernelFactory* VnniFactory() {
  for (const PreparedKernelFactory* f : PreparedKernelFactories())
    if (std::string(f->name) == "int8_dwconv_vnni") return f;
  return nullptr;
}

bool CpuRunsVnni() {
  const CpuFeatures& f = GetCpuFeatures();
  return f.avx512 && f.avx512_vnni && VnniDwSupported();
}

std::vector<testing::OpInput> AsOpInputs(const std::vector<HostTensor>& in) {
  std::vector<testing::OpInput> v;
  for (size_t i = 0; i < in.size(); ++i) {
    HostTensor c = HostTensor::Allocate(in[i].dtype(), in[i].shape());
    if (in[i].nbytes() > 0) std::memcpy(c.data(), in[i].data(), in[i].nbytes());
    v.push_back({std::move(c), i != 0});
  }
  return v;
}

void ExpectBytesEqual(const HostTensor& got, const HostTensor& want, const std::string& what) {
  ASSERT_EQ(got.nbytes(), want.nbytes()) << what;
  for (size_t i = 0; i < got.nbytes(); ++i) {
    ASSERT_EQ(static_cast<int>(got.data()[i]), static_cast<int>(want.data()[i]))
        << what << ": first difference at output element " << i;
  }
}

// Creates the kernel through its factory (as the step plan does), runs it on `pool` and compares
// with the reference. Returns whether the kernel accepted the node.
bool RunAndCompare(const Case& d, uint32_t seed, ThreadPool* pool) {
  const std::vector<HostTensor> in = Inputs(d, seed);
  Result<std::vector<HostTensor>> want = testing::RunOp("QLinearConv", Attrs(d), AsOpInputs(in));
  EXPECT_TRUE(want.ok()) << Name(d) << ": " << want.status().message();
  if (!want.ok()) return false;
  model::Node node{"dw", "QLinearConv", Attrs(d), {}, {}};
  std::vector<TensorView> views;
  for (const HostTensor& t : in) views.push_back(t.view());
  HostTensor y = HostTensor::Allocate(d.x_dtype, OutShape(d));
  std::vector<TensorView> outs = {TensorView{y.dtype(), y.shape(), nullptr}};
  std::vector<TensorView> prepare = views;
  prepare[0].data = nullptr;  // x is not a constant
  Result<std::unique_ptr<PreparedKernel>> k = VnniFactory()->create(node, prepare, outs);
  EXPECT_TRUE(k.ok()) << Name(d) << ": " << k.status().message();
  if (!k.ok() || *k == nullptr) return false;
  outs[0] = y.view();
  for (int run = 0; run < 2; ++run) {  // scratch reused across runs
    std::memset(y.data(), 0xA5, y.nbytes());
    const Status s = (*k)->Run(views, outs, pool);
    EXPECT_TRUE(s.ok()) << Name(d) << ": " << s.message();
    ExpectBytesEqual(y, (*want)[0], Name(d) + (pool ? " (3 threads)" : ""));
  }
  return true;
}

TEST(Int8DwVnni, KernelIsRegisteredAboveThePortableDepthwiseKernel) {
  const PreparedKernelFactory* vnni = VnniFactory();
  ASSERT_NE(vnni, nullptr);
  for (const PreparedKernelFactory* f : PreparedKernelFactories()) {
    if (std::string(f->name) == "int8_dwconv") {
      EXPECT_GT(vnni->priority, f->priority);
    }
  }
}

TEST(Int8DwVnni, DepthwiseQLinearConvIsBitExactWithReference) {
  if (!CpuRunsVnni()) GTEST_SKIP() << "no AVX512-VNNI + VBMI: " << GetCpuFeatures().ToString();
  const std::vector<Case> cases = Cases();
  ThreadPool pool(3);
  int accepted = 0;
  uint32_t seed = 1;
  for (const Case& d : cases) {
    const bool ok = RunAndCompare(d, seed++, nullptr);
    // Symmetric weights always fit s8, and every case's geometry is one the kernel runs.
    EXPECT_TRUE(ok) << "declined: " << Name(d);
    accepted += ok;
    if (d.c >= 4) RunAndCompare(d, seed++, &pool);
  }
  EXPECT_EQ(accepted, static_cast<int>(cases.size()));
}

TEST(Int8DwVnni, UnsupportedNodesAreDeclined) {
  Case d{1, 4, 1, 9, 11, 3, 3, 1, 1, {1, 1, 1, 1}, DType::kI8, DType::kI8, "Relu", 1};
  auto create = [&](const model::Attributes& a, std::vector<HostTensor> in, const Shape& y) {
    model::Node node{"dw", "QLinearConv", a, {}, {}};
    std::vector<TensorView> views;
    for (const HostTensor& t : in) views.push_back(t.view());
    views[0].data = nullptr;
    std::vector<TensorView> outs = {TensorView{d.x_dtype, y, nullptr}};
    Result<std::unique_ptr<PreparedKernel>> k = VnniFactory()->create(node, views, outs);
    EXPECT_TRUE(k.ok());
    return k.ok() && *k != nullptr;
  };
  if (!CpuRunsVnni()) {
    // Run-time dispatch (also MOTA_CPU_DISABLE=avx512): the node is left to "int8_dwconv".
    EXPECT_FALSE(create(Attrs(d), Inputs(d, 1), OutShape(d))) << GetCpuFeatures().ToString();
    return;
  }
  EXPECT_TRUE(create(Attrs(d), Inputs(d, 1), OutShape(d)));
  model::Attributes dil = Attrs(d);
  dil.SetInts("dilations", {2, 2});
  EXPECT_FALSE(create(dil, Inputs(d, 1), {1, 4, 7, 9})) << "dilation 2";
  std::vector<HostTensor> zp = Inputs(d, 1);
  for (int64_t i = 0; i < 4; ++i) zp[5].as<int8_t>()[i] = 100;  // w - 100 leaves s8
  EXPECT_FALSE(create(Attrs(d), std::move(zp), OutShape(d))) << "weights minus zp outside s8";
  Case wide = d;
  wide.sw = 5;
  EXPECT_FALSE(create(Attrs(wide), Inputs(wide, 1), OutShape(wide))) << "stride 5";
  // The result of each decline is the other kernels' (bit-exact too): through the auto backend.
  Result<std::vector<HostTensor>> want =
      testing::RunOp("QLinearConv", dil, AsOpInputs(Inputs(d, 1)));
  Result<std::vector<HostTensor>> got =
      testing::RunOp("QLinearConv", dil, AsOpInputs(Inputs(d, 1)), 1, "auto");
  ASSERT_TRUE(want.ok() && got.ok());
  ExpectBytesEqual((*got)[0], (*want)[0], "dilation 2 through auto");
}

TEST(Int8DwVnni, AutoBackendMatchesReferenceOnPpocrShapes) {
  // The step plan's choice (highest priority first) end to end: the same bytes as the reference.
  for (const Case& d :
       {Case{1, 32, 1, 6, 96, 5, 5, 2, 1, {2, 2, 2, 2}, DType::kI8, DType::kI8, nullptr, 1},
        Case{1, 200, 1, 2, 96, 5, 5, 1, 1, {2, 2, 2, 2}, DType::kI8, DType::kI8, nullptr, 1},
        Case{1, 8, 1, 24, 96, 3, 3, 2, 1, {1, 1, 1, 1}, DType::kI8, DType::kI8, "Relu", 1}}) {
    Result<std::vector<HostTensor>> want =
        testing::RunOp("QLinearConv", Attrs(d), AsOpInputs(Inputs(d, 9)));
    Result<std::vector<HostTensor>> got =
        testing::RunOp("QLinearConv", Attrs(d), AsOpInputs(Inputs(d, 9)), 1, "auto");
    ASSERT_TRUE(want.ok()) << want.status().message();
    ASSERT_TRUE(got.ok()) << got.status().message();
    ExpectBytesEqual((*got)[0], (*want)[0], Name(d));
  }
}

}  // namespace
}  // namespace mota::exec::int8_dw
