// Helpers shared by the reference shape and data-movement ops (Reshape, Transpose, Slice, Pad,
// Expand, Tile, DepthToSpace, ...):
//   - reading shape-like inputs (axes, pads, starts, ...) from either an InferContext or a
//     KernelContext, with errors that name the node;
//   - axis-list normalization;
//   - CopyStrided, the one strided-copy kernel behind Transpose, Slice, Expand, Tile,
//     DepthToSpace and SpaceToDepth: it merges contiguous dims, copies unit-stride inner runs
//     with memcpy and transposes with cache-sized 2-D blocks.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/op_registry.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

// An INVALID_ARGUMENT status naming the node, for code shared by infer and compute.
template <typename... Args>
Status NodeError(const model::Node& node, const Args&... args) {
  return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
}

// True when optional input i is given and holds at least one element (ONNX models from older
// opsets pass empty tensors for "absent").
bool HasNonEmptyInput(std::span<const TensorView> inputs, size_t i);

// The integer (i32/i64) values of input i, which must be known (data != null): an error naming
// the node, the input index and `what` ("shape", "axes", ...) otherwise.
Result<std::vector<int64_t>> KnownIntValues(const model::Node& node,
                                            std::span<const TensorView> inputs, size_t i,
                                            const char* what);
// Like KnownIntValues, but returns an empty list when the optional input is absent or empty.
Result<std::vector<int64_t>> OptionalIntValues(const model::Node& node,
                                               std::span<const TensorView> inputs, size_t i,
                                               const char* what);
// The numeric values of input i as doubles (float scales, roi), which must be known.
Result<std::vector<double>> KnownDoubleValues(const model::Node& node,
                                              std::span<const TensorView> inputs, size_t i,
                                              const char* what);

// Maps each axis into [0, rank); an error naming the node on an out-of-range or repeated axis.
Result<std::vector<int64_t>> NormalizeAxisList(const model::Node& node,
                                               const std::vector<int64_t>& axes, int64_t rank);

// Dense row-major strides in elements.
std::vector<int64_t> RowMajorStrides(const Shape& shape);

// dst[i_0, ..., i_n] = src[sum_k i_k * src_strides[k]] for every index of `out_shape`; dst is
// dense. Strides are in elements and may be 0 (broadcast) or negative (reversed slices).
void CopyStrided(const void* src, const Shape& out_shape, std::span<const int64_t> src_strides,
                 void* dst, size_t elem_size);

// Output 0 = input 0 byte for byte (Reshape, Flatten, Squeeze, Unsqueeze).
Status ComputeCopyInput0(KernelContext& ctx);

// Validates that every input listed in `indices` is present and has the dtype of input 0.
Status CheckSameDType(const InferContext& ctx, std::initializer_list<size_t> indices);

// The `reduction` attribute of ScatterND / ScatterElements.
enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };
Result<ScatterReduction> ReadScatterReduction(const model::Node& node);

template <typename T>
inline void ScatterCombine(ScatterReduction r, T& dst, T v) {
  switch (r) {
    case ScatterReduction::kNone:
      dst = v;
      break;
    case ScatterReduction::kAdd:
      dst = static_cast<T>(dst + v);
      break;
    case ScatterReduction::kMul:
      dst = static_cast<T>(dst * v);
      break;
    case ScatterReduction::kMax:
      dst = dst < v ? v : dst;
      break;
    case ScatterReduction::kMin:
      dst = v < dst ? v : dst;
      break;
  }
}

}  // namespace mota::exec
