#include "exec/tensor.h"

#include <cstring>

namespace mota::exec {

HostTensor HostTensor::Allocate(DType dtype, Shape shape) {
  HostTensor t;
  const int64_t count = NumElements(shape);
  if (count < 0) return t;
  if (!t.buffer_.Resize(static_cast<size_t>(count) * DTypeSize(dtype))) return t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  return t;
}

std::vector<int64_t> ReadIntValues(const TensorView& t) {
  std::vector<int64_t> out;
  const int64_t n = t.numel();
  if (t.data == nullptr || n <= 0) return out;
  out.resize(static_cast<size_t>(n));
  if (t.dtype == DType::kI64) {
    std::memcpy(out.data(), t.data, static_cast<size_t>(n) * 8);
  } else if (t.dtype == DType::kI32) {
    const int32_t* p = t.as<int32_t>();
    for (int64_t i = 0; i < n; ++i) out[i] = p[i];
  } else {
    const std::vector<double> d = ReadAsDouble(t);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(d[i]);
  }
  return out;
}

std::vector<double> ReadAsDouble(const TensorView& t) {
  std::vector<double> out;
  const int64_t n = t.numel();
  if (t.data == nullptr || n <= 0) return out;
  out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::kF32: out[i] = t.as<float>()[i]; break;
      case DType::kF16: out[i] = HalfToFloat(t.as<uint16_t>()[i]); break;
      case DType::kI8: out[i] = t.as<int8_t>()[i]; break;
      case DType::kU8: out[i] = t.as<uint8_t>()[i]; break;
      case DType::kI32: out[i] = t.as<int32_t>()[i]; break;
      case DType::kI64: out[i] = static_cast<double>(t.as<int64_t>()[i]); break;
      case DType::kBool: out[i] = t.as<uint8_t>()[i] ? 1 : 0; break;
      case DType::kUndefined: break;
    }
  }
  return out;
}

}  // namespace mota::exec
