// Helpers shared by the reference op files: broadcasting, axis normalization, dtype dispatch.
#pragma once

#include <cstdint>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/op_registry.h"

namespace mota::exec {

// Numpy-style broadcast of two shapes; an error naming both when they are incompatible.
Result<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Row-major strides of `shape` as seen from `out` (0 for broadcast dims). `shape` is aligned to
// the right of `out`.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out);
// Maps a possibly negative axis into [0, rank); an error when out of range.
Result<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const InferContext& ctx);
Result<int64_t> NormalizeAxis(int64_t axis, int64_t rank);

// Calls f(index, offsets...) for every element of `out`, with each input's element offset,
// iterating the innermost dimension in a tight loop. `strides[k]` are BroadcastStrides of input k.
// The callback receives (out_index, in0_offset, in1_offset, [in2_offset]).
template <typename F>
void ForEachBroadcast2(const Shape& out, const std::vector<int64_t>& sa,
                       const std::vector<int64_t>& sb, F&& f) {
  const int64_t rank = static_cast<int64_t>(out.size());
  const int64_t total = NumElements(out);
  if (total <= 0) return;
  if (rank == 0) {
    f(0, 0, 0);
    return;
  }
  std::vector<int64_t> idx(rank, 0);
  const int64_t inner = out[rank - 1];
  int64_t oa = 0, ob = 0;
  for (int64_t o = 0; o < total; o += inner) {
    const int64_t la = sa[rank - 1], lb = sb[rank - 1];
    for (int64_t i = 0; i < inner; ++i) f(o + i, oa + i * la, ob + i * lb);
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++idx[d] < out[d]) {
        oa += sa[d];
        ob += sb[d];
        break;
      }
      oa -= sa[d] * (out[d] - 1);
      ob -= sb[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

template <typename F>
void ForEachBroadcast3(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb,
                       const std::vector<int64_t>& sc, F&& f) {
  const int64_t rank = static_cast<int64_t>(out.size());
  const int64_t total = NumElements(out);
  if (total <= 0) return;
  if (rank == 0) {
    f(0, 0, 0, 0);
    return;
  }
  std::vector<int64_t> idx(rank, 0);
  const int64_t inner = out[rank - 1];
  int64_t oa = 0, ob = 0, oc = 0;
  for (int64_t o = 0; o < total; o += inner) {
    const int64_t la = sa[rank - 1], lb = sb[rank - 1], lc = sc[rank - 1];
    for (int64_t i = 0; i < inner; ++i) f(o + i, oa + i * la, ob + i * lb, oc + i * lc);
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++idx[d] < out[d]) {
        oa += sa[d];
        ob += sb[d];
        oc += sc[d];
        break;
      }
      oa -= sa[d] * (out[d] - 1);
      ob -= sb[d] * (out[d] - 1);
      oc -= sc[d] * (out[d] - 1);
      idx[d] = 0;
    }
  }
}

// Dispatches on dtype to a generic lambda taking a typed null pointer: f(static_cast<T*>(nullptr)).
// Returns the lambda's Status, or an error for dtypes not in the list.
#define MOTA_DISPATCH_NUMERIC(dtype, ctx, ...)                                               \
  [&]() -> ::mota::Status {                                                                \
    auto&& mota_fn_ = __VA_ARGS__;                                                                \
    switch (dtype) {                                                                       \
      case ::mota::DType::kF32: return mota_fn_(static_cast<float*>(nullptr));                    \
      case ::mota::DType::kI32: return mota_fn_(static_cast<int32_t*>(nullptr));                  \
      case ::mota::DType::kI64: return mota_fn_(static_cast<int64_t*>(nullptr));                  \
      case ::mota::DType::kI8: return mota_fn_(static_cast<int8_t*>(nullptr));                    \
      case ::mota::DType::kU8: return mota_fn_(static_cast<uint8_t*>(nullptr));                   \
      default:                                                                             \
        return (ctx).Error("dtype ", ::mota::DTypeName(dtype), " is not supported here");  \
    }                                                                                      \
  }()

// Copies elements of any dtype by byte size (for data-movement ops).
#define MOTA_DISPATCH_BY_SIZE(dtype, ctx, ...)                                                \
  [&]() -> ::mota::Status {                                                                 \
    auto&& mota_fn_ = __VA_ARGS__;                                                                 \
    switch (::mota::DTypeSize(dtype)) {                                                     \
      case 1: return mota_fn_(static_cast<uint8_t*>(nullptr));                                     \
      case 2: return mota_fn_(static_cast<uint16_t*>(nullptr));                                    \
      case 4: return mota_fn_(static_cast<uint32_t*>(nullptr));                                    \
      case 8: return mota_fn_(static_cast<uint64_t*>(nullptr));                                    \
      default: return (ctx).Error("dtype ", ::mota::DTypeName(dtype), " is not supported"); \
    }                                                                                       \
  }()

}  // namespace mota::exec
