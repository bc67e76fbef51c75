#include "tools/mota/random_inputs.h"

namespace mota::cli {

void FillRandom(exec::HostTensor& tensor, uint64_t seed, int input_index) {
  SplitMix64 rng(seed ^ (0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(input_index) + 1)));
  const int64_t n = tensor.numel();
  auto uniform = [&rng] {
    return static_cast<float>(rng.Next() >> 40) * (2.0f / 16777216.0f) - 1.0f;
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (tensor.dtype()) {
      case DType::kF32:
        tensor.as<float>()[i] = uniform();
        break;
      case DType::kF16:
        tensor.as<uint16_t>()[i] = FloatToHalf(uniform());
        break;
      case DType::kI8:
        tensor.as<int8_t>()[i] = static_cast<int8_t>(rng.Next() % 10);
        break;
      case DType::kU8:
        tensor.as<uint8_t>()[i] = static_cast<uint8_t>(rng.Next() % 10);
        break;
      case DType::kI32:
        tensor.as<int32_t>()[i] = static_cast<int32_t>(rng.Next() % 10);
        break;
      case DType::kI64:
        tensor.as<int64_t>()[i] = static_cast<int64_t>(rng.Next() % 10);
        break;
      case DType::kBool:
        tensor.as<uint8_t>()[i] = static_cast<uint8_t>(rng.Next() >> 63);
        break;
      case DType::kUndefined:
        return;
    }
  }
}

}  // namespace mota::cli
