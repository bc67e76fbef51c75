// Element types of mota tensors. The numbers are part of the .mota format (model.fbs DType):
// never renumber.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mota {

enum class DType : uint8_t {
  kUndefined = 0,
  kF32 = 1,
  kF16 = 2,
  kI8 = 3,
  kU8 = 4,
  kI32 = 5,
  kI64 = 6,
  kBool = 7,
};

constexpr int kMaxDType = 7;

// Bytes per element; 0 for kUndefined.
size_t DTypeSize(DType dtype);
// "f32", "f16", ... ; "undefined" for anything else.
const char* DTypeName(DType dtype);
// Parses a name produced by DTypeName; kUndefined when unknown.
DType DTypeFromName(std::string_view name);
bool IsValidDType(uint32_t raw);
bool IsFloatDType(DType dtype);

using Shape = std::vector<int64_t>;

// Product of dims; -1 on overflow or a negative dim.
int64_t NumElements(const Shape& shape);
// "[1,3,224,224]".
std::string ShapeToString(const Shape& shape);

// IEEE half <-> float, round to nearest even.
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t half);

}  // namespace mota
