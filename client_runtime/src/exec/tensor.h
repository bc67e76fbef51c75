// Tensors as kernels see them: a dtype, a concrete shape and a pointer (dense, row-major).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/dtype.h"

namespace mota::exec {

// A non-owning view. `data` may be null at prepare time (value not known yet) or for an omitted
// optional input (dtype kUndefined).
struct TensorView {
  DType dtype = DType::kUndefined;
  Shape shape;
  void* data = nullptr;

  bool present() const { return dtype != DType::kUndefined; }
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numel() const { return NumElements(shape); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * DTypeSize(dtype); }
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

// An owning, 64-byte-aligned tensor.
class HostTensor {
 public:
  HostTensor() = default;
  // Zero-filled. Returns an empty (dtype kUndefined) tensor when allocation fails.
  static HostTensor Allocate(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return NumElements(shape_); }
  size_t nbytes() const { return buffer_.size(); }
  uint8_t* data() { return buffer_.data(); }
  const uint8_t* data() const { return buffer_.data(); }
  template <typename T>
  T* as() { return reinterpret_cast<T*>(buffer_.data()); }
  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(buffer_.data()); }
  TensorView view() const { return TensorView{dtype_, shape_, const_cast<uint8_t*>(buffer_.data())}; }

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  AlignedBuffer buffer_;
};

// Reads an integer tensor (i32 or i64) as int64 values.
std::vector<int64_t> ReadIntValues(const TensorView& t);
// Reads any numeric tensor as doubles (used by shape-time helpers and tests).
std::vector<double> ReadAsDouble(const TensorView& t);

}  // namespace mota::exec
