// Reproducible random input tensors for `mota run` without --input.
//
// The generator is splitmix64 (Steele, Lea, Flood 2014), chosen because it is tiny, fully
// specified, and gives the same stream on every machine and compiler. Input number i of the
// model (in model order, counting from 0) gets its own stream seeded with
//   seed ^ (0x9E3779B97F4A7C15 * (i + 1))
// so one input's values do not depend on the sizes of the others. Elements are filled in
// row-major order, one 64-bit draw each:
//   f32 / f16  uniform in [-1, 1): (draw >> 40) / 2^24 * 2 - 1   (f16 rounds that to nearest even)
//   i8 u8 i32 i64  draw % 10 (small non-negative: safe as indices and token ids)
//   bool       draw >> 63
#pragma once

#include <cstdint>

#include "exec/tensor.h"

namespace mota::cli {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Fills `tensor` with the values described above for input number `input_index`.
void FillRandom(exec::HostTensor& tensor, uint64_t seed, int input_index);

}  // namespace mota::cli
