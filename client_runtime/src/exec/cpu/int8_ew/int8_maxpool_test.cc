// Differential tests of the i8 / u8 MaxPool fast kernel (int8_maxpool.cc) on the auto backend
// against the reference backend: 1-D to 3-D windows, strides, pads (asymmetric, auto_pad),
// dilations, ceil_mode, and the fallbacks (Indices output, f32). Tolerance: none (a max is exact).
// The kernel has no ISA-specific code (byte max loops the compiler vectorizes).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;

struct PoolCase {
  Shape x;
  std::vector<int64_t> kernel, strides, pads, dilations;
  int64_t ceil_mode = 0;
  std::string auto_pad;
};

model::Attributes Attrs(const PoolCase& k) {
  model::Attributes a;
  a.SetInts("kernel_shape", k.kernel);
  if (!k.strides.empty()) a.SetInts("strides", k.strides);
  if (!k.pads.empty()) a.SetInts("pads", k.pads);
  if (!k.dilations.empty()) a.SetInts("dilations", k.dilations);
  if (k.ceil_mode != 0) a.SetInt("ceil_mode", k.ceil_mode);
  if (!k.auto_pad.empty()) a.SetString("auto_pad", k.auto_pad);
  return a;
}

HostTensor RandomX(DType dtype, const Shape& shape, std::mt19937& rng) {
  const int64_t n = NumElements(shape);
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> u(static_cast<size_t>(n));
  for (uint8_t& v : u) v = static_cast<uint8_t>(d(rng));
  // Extremes on the edges, where padding and ceil_mode windows read.
  if (n > 2) u[0] = 0, u[1] = 255, u[n - 1] = 0x80;
  if (dtype == DType::kU8) return MakeU8(shape, u);
  std::vector<int8_t> s(u.begin(), u.end());
  if (dtype == DType::kI8) return MakeI8(shape, s);
  std::vector<float> f(u.begin(), u.end());
  return MakeF32(shape, f);
}

void Check(const PoolCase& k, DType dtype, int outputs = 1) {
  std::mt19937 rng(static_cast<uint32_t>(NumElements(k.x) + k.kernel.size()));
  const HostTensor x = RandomX(dtype, k.x, rng);
  const auto input = [&] {
    HostTensor c = HostTensor::Allocate(x.dtype(), x.shape());
    std::memcpy(c.data(), x.data(), x.nbytes());
    std::vector<OpInput> in;
    in.push_back({std::move(c), false});
    return in;
  };
  auto want = RunOp("MaxPool", Attrs(k), input(), outputs);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto got = RunOp("MaxPool", Attrs(k), input(), outputs, "auto");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), want->size());
  for (size_t o = 0; o < want->size(); ++o) {
    const HostTensor& w = (*want)[o];
    const HostTensor& g = (*got)[o];
    ASSERT_EQ(g.shape(), w.shape()) << "output " << o;
    for (size_t i = 0; i < w.nbytes(); ++i)
      ASSERT_EQ(g.data()[i], w.data()[i]) << "output " << o << " byte " << i;
  }
}

TEST(Int8MaxPool, MatchesReference) {
  const PoolCase cases[] = {
      {{1, 3, 8, 8}, {2, 2}, {2, 2}, {}, {}},
      {{1, 4, 111, 111}, {3, 3}, {2, 2}, {}, {}, 1},  // squeezenet: ceil_mode
      {{1, 5, 9, 10}, {3, 3}, {2, 2}, {}, {}, 1},
      {{2, 3, 12, 13}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}},
      {{1, 2, 14, 15}, {3, 2}, {2, 3}, {0, 2, 1, 0}, {}},
      {{1, 2, 16, 17}, {3, 3}, {1, 2}, {2, 2, 2, 2}, {2, 3}},
      {{1, 3, 11, 7}, {5, 4}, {3, 3}, {2, 1, 2, 3}, {1, 1}, 1},
      {{1, 2, 10, 11}, {3, 3}, {2, 2}, {}, {}, 0, "SAME_UPPER"},
      {{1, 2, 10, 11}, {2, 3}, {2, 1}, {}, {}, 0, "SAME_LOWER"},
      {{1, 1, 1, 1}, {1, 1}, {}, {}, {}},
      {{2, 3, 20}, {3}, {2}, {1, 1}, {}, 1},                      // 1-D
      {{1, 2, 5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {}, {1, 1, 2}, 1},  // 3-D
  };
  for (DType dtype : {DType::kI8, DType::kU8}) {
    for (const PoolCase& k : cases) {
      SCOPED_TRACE(std::string(dtype == DType::kI8 ? "i8 " : "u8 ") + ShapeToString(k.x) +
                   " kernel " + std::to_string(k.kernel[0]));
      Check(k, dtype);
    }
  }
}

TEST(Int8MaxPool, IndicesAndFloatsRunTheReference) {
  const PoolCase k{{1, 3, 9, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}};
  for (DType dtype : {DType::kI8, DType::kU8}) Check(k, dtype, /*outputs=*/2);
  Check(k, DType::kF32);
  Check(k, DType::kF32, 2);
}

}  // namespace
}  // namespace mota::exec
