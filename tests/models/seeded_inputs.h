// Deterministic model inputs, defined bit for bit like bench/ort/seeded_inputs.js (the Node
// twin that feeds ONNX Runtime when the references are made). README.md here is the
// specification; both implementations must change together, and seeded_inputs_test.cc pins
// values the Node side produced.
//
// Input `index` (0-based, model input order) of model `model` (the .onnx file stem) draws from
// a splitmix64 stream seeded with  seed XOR FNV-1a-64("<model>/<index>"),  one 64-bit draw per
// element in row-major order, converted by the element type:
//
//   f32  ((x >> 40) / 2^24) * 2 - 1        exact in f32, in [-1, 1)
//   f16  ((x >> 53) / 2^11) * 2 - 1        exact in f16, in [-1, 1)
//   i32, i64  (x >> 32) mod int_range      in [0, int_range)
//   i8   (int8_t)(x >> 56)                 u8  (x >> 56)          bool  x >> 63
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "exec/tensor.h"

namespace mota::tests {

// ASCII "mota-ref" as a big-endian u64.
inline constexpr uint64_t kDefaultInputSeed = 0x6d6f74612d726566ull;
inline constexpr int64_t kDefaultIntRange = 16;

// FNV-1a, 64-bit, over the bytes of `text`.
uint64_t Fnv1a64(std::string_view text);

// splitmix64 (Steele, Lea, Flood 2014; java.util.SplittableRandom's generator).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// The stream seed of input `index` of `model`.
uint64_t InputStreamSeed(uint64_t seed, std::string_view model, int index);

// The seeded input tensor. INVALID_ARGUMENT for an unsupported dtype, a bad shape or a
// non-positive int_range.
Result<exec::HostTensor> SeededInput(std::string_view model, int index, DType dtype,
                                     const Shape& shape, uint64_t seed = kDefaultInputSeed,
                                     int64_t int_range = kDefaultIntRange);

}  // namespace mota::tests
