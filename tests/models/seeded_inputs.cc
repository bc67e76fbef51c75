#include "tests/models/seeded_inputs.h"

#include <string>

namespace mota::tests {
namespace {

// Writes one element of `dtype` drawn from `x` into `out[i]`. Every float is exact in its type.
void StoreElement(DType dtype, uint64_t x, int64_t int_range, uint8_t* out, int64_t i) {
  switch (dtype) {
    case DType::kF32:
      reinterpret_cast<float*>(out)[i] = static_cast<float>(x >> 40) / 16777216.0f * 2.0f - 1.0f;
      break;
    case DType::kF16:
      reinterpret_cast<uint16_t*>(out)[i] =
          FloatToHalf(static_cast<float>(x >> 53) / 2048.0f * 2.0f - 1.0f);
      break;
    case DType::kI32:
      reinterpret_cast<int32_t*>(out)[i] =
          static_cast<int32_t>((x >> 32) % static_cast<uint64_t>(int_range));
      break;
    case DType::kI64:
      reinterpret_cast<int64_t*>(out)[i] =
          static_cast<int64_t>((x >> 32) % static_cast<uint64_t>(int_range));
      break;
    case DType::kI8:
      reinterpret_cast<int8_t*>(out)[i] = static_cast<int8_t>(static_cast<uint8_t>(x >> 56));
      break;
    case DType::kU8:
      out[i] = static_cast<uint8_t>(x >> 56);
      break;
    case DType::kBool:
      out[i] = static_cast<uint8_t>(x >> 63);
      break;
    case DType::kUndefined:
      break;
  }
}

}  // namespace

uint64_t Fnv1a64(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t InputStreamSeed(uint64_t seed, std::string_view model, int index) {
  return seed ^ Fnv1a64(std::string(model) + "/" + std::to_string(index));
}

Result<exec::HostTensor> SeededInput(std::string_view model, int index, DType dtype,
                                     const Shape& shape, uint64_t seed, int64_t int_range) {
  if (dtype == DType::kUndefined || !IsValidDType(static_cast<uint32_t>(dtype))) {
    return InvalidArgument("seeded input ", index, " of '", model, "': dtype ",
                           static_cast<int>(dtype),
                           " is not supported (expected f32, f16, i8, u8, ", "i32, i64 or bool)");
  }
  if (int_range <= 0) {
    return InvalidArgument("seeded input ", index, " of '", model, "': int_range ", int_range,
                           " must be >= 1");
  }
  const int64_t count = NumElements(shape);
  if (count < 0) {
    return InvalidArgument("seeded input ", index, " of '", model, "': shape ",
                           ShapeToString(shape), " is not a valid concrete shape");
  }
  exec::HostTensor tensor = exec::HostTensor::Allocate(dtype, shape);
  if (count > 0 && tensor.dtype() == DType::kUndefined) {
    return OutOfMemory("seeded input ", index, " of '", model, "': cannot allocate ",
                       ShapeToString(shape), " ", DTypeName(dtype));
  }
  SplitMix64 rng(InputStreamSeed(seed, model, index));
  for (int64_t i = 0; i < count; ++i) StoreElement(dtype, rng.Next(), int_range, tensor.data(), i);
  return tensor;
}

}  // namespace mota::tests
