#include "exec/reference/shape_util.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace mota::exec {
namespace {

struct StrideDim {
  int64_t size;
  int64_t src;  // element stride in the source
  int64_t dst;  // element stride in the (dense) destination
};

// Drops size-1 dims and merges neighbours that are contiguous in both source and destination,
// so that e.g. a Transpose that keeps the last two dims in place copies whole rows. Returns
// false when the shape has no elements.
bool SimplifyDims(const Shape& shape, std::span<const int64_t> src_strides,
                  std::vector<StrideDim>& dims) {
  const std::vector<int64_t> dst = RowMajorStrides(shape);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return false;
    if (shape[d] == 1) continue;
    if (!dims.empty()) {
      StrideDim& outer = dims.back();
      if (outer.src == src_strides[d] * shape[d] && outer.dst == dst[d] * shape[d]) {
        outer = {outer.size * shape[d], src_strides[d], dst[d]};
        continue;
      }
    }
    dims.push_back({shape[d], src_strides[d], dst[d]});
  }
  return true;
}

// Calls f(src_offset, dst_offset) for every index of `outer` (an odometer, last dim fastest).
template <typename F>
void ForEachOffset(const std::vector<StrideDim>& outer, F&& f) {
  int64_t total = 1;
  for (const StrideDim& d : outer) total *= d.size;
  std::vector<int64_t> idx(outer.size(), 0);
  int64_t so = 0, dof = 0;
  for (int64_t n = 0; n < total; ++n) {
    f(so, dof);
    for (size_t k = outer.size(); k-- > 0;) {
      if (++idx[k] < outer[k].size) {
        so += outer[k].src;
        dof += outer[k].dst;
        break;
      }
      so -= outer[k].src * (outer[k].size - 1);
      dof -= outer[k].dst * (outer[k].size - 1);
      idx[k] = 0;
    }
  }
}

// Copies a rows x cols tile by 32 x 32 blocks, so that both the strided reads and the
// writes stay in cache (the classic blocked transpose).
template <typename T>
void CopyBlocked2D(const T* src, T* dst, const StrideDim& rows, const StrideDim& cols) {
  constexpr int64_t kBlock = 32;
  for (int64_t r0 = 0; r0 < rows.size; r0 += kBlock) {
    const int64_t r1 = std::min(rows.size, r0 + kBlock);
    for (int64_t c0 = 0; c0 < cols.size; c0 += kBlock) {
      const int64_t c1 = std::min(cols.size, c0 + kBlock);
      for (int64_t r = r0; r < r1; ++r) {
        const T* s = src + r * rows.src;
        T* d = dst + r * rows.dst;
        for (int64_t c = c0; c < c1; ++c) d[c * cols.dst] = s[c * cols.src];
      }
    }
  }
}

template <typename T>
void CopyStridedTyped(const T* src, std::vector<StrideDim> dims, T* dst) {
  if (dims.empty()) {
    dst[0] = src[0];
    return;
  }
  const StrideDim inner = dims.back();
  if (inner.src == 1) {  // contiguous runs: memcpy each
    dims.pop_back();
    const size_t bytes = static_cast<size_t>(inner.size) * sizeof(T);
    ForEachOffset(dims, [&](int64_t so, int64_t dof) { std::memcpy(dst + dof, src + so, bytes); });
    return;
  }
  if (inner.src == 0) {  // broadcast inner dim: fill
    dims.pop_back();
    ForEachOffset(dims,
                  [&](int64_t so, int64_t dof) { std::fill_n(dst + dof, inner.size, src[so]); });
    return;
  }
  // A transpose: some outer dim reads contiguously; tile it against the inner dim.
  for (size_t k = 0; k + 1 < dims.size(); ++k) {
    if (dims[k].src != 1 || dims[k].size < 8) continue;
    const StrideDim rows = dims[k];
    dims.pop_back();
    dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(k));
    ForEachOffset(
        dims, [&](int64_t so, int64_t dof) { CopyBlocked2D(src + so, dst + dof, rows, inner); });
    return;
  }
  dims.pop_back();
  ForEachOffset(dims, [&](int64_t so, int64_t dof) {
    const T* s = src + so;
    T* d = dst + dof;
    for (int64_t i = 0; i < inner.size; ++i) d[i] = s[i * inner.src];
  });
}

}  // namespace

bool HasNonEmptyInput(std::span<const TensorView> inputs, size_t i) {
  return i < inputs.size() && inputs[i].present() && inputs[i].numel() > 0;
}

Result<std::vector<int64_t>> KnownIntValues(const model::Node& node,
                                            std::span<const TensorView> inputs, size_t i,
                                            const char* what) {
  if (i >= inputs.size() || !inputs[i].present()) {
    return NodeError(node, "input ", i, " (", what, ") is required");
  }
  const TensorView& t = inputs[i];
  if (t.dtype != DType::kI64 && t.dtype != DType::kI32) {
    return NodeError(node, "input ", i, " (", what, ") must be i64 or i32, got ",
                     DTypeName(t.dtype));
  }
  if (t.data == nullptr && t.numel() > 0) {
    return Unimplemented(node.op_type, " node '", node.name, "': input ", i, " (", what,
                         ") must be known when the model is prepared (a constant or computed "
                         "from shapes), but it is only computed at run time");
  }
  return ReadIntValues(t);
}

Result<std::vector<int64_t>> OptionalIntValues(const model::Node& node,
                                               std::span<const TensorView> inputs, size_t i,
                                               const char* what) {
  if (!HasNonEmptyInput(inputs, i)) return std::vector<int64_t>{};
  return KnownIntValues(node, inputs, i, what);
}

Result<std::vector<double>> KnownDoubleValues(const model::Node& node,
                                              std::span<const TensorView> inputs, size_t i,
                                              const char* what) {
  if (i >= inputs.size() || !inputs[i].present()) {
    return NodeError(node, "input ", i, " (", what, ") is required");
  }
  const TensorView& t = inputs[i];
  if (t.data == nullptr && t.numel() > 0) {
    return Unimplemented(node.op_type, " node '", node.name, "': input ", i, " (", what,
                         ") must be known when the model is prepared (a constant or computed "
                         "from shapes), but it is only computed at run time");
  }
  return ReadAsDouble(t);
}

Result<std::vector<int64_t>> NormalizeAxisList(const model::Node& node,
                                               const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  std::vector<uint8_t> seen(static_cast<size_t>(std::max<int64_t>(rank, 0)), 0);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return NodeError(node, "axis ", a, " is out of range for rank ", rank, " (expected ", -rank,
                       "..", rank - 1, ")");
    }
    const int64_t n = a < 0 ? a + rank : a;
    if (seen[n]) return NodeError(node, "axis ", a, " is repeated in the axes list");
    seen[n] = 1;
    out.push_back(n);
  }
  return out;
}

std::vector<int64_t> RowMajorStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

void CopyStrided(const void* src, const Shape& out_shape, std::span<const int64_t> src_strides,
                 void* dst, size_t elem_size) {
  std::vector<StrideDim> dims;
  if (!SimplifyDims(out_shape, src_strides, dims)) return;
  switch (elem_size) {
    case 1:
      CopyStridedTyped(static_cast<const uint8_t*>(src), std::move(dims),
                       static_cast<uint8_t*>(dst));
      break;
    case 2:
      CopyStridedTyped(static_cast<const uint16_t*>(src), std::move(dims),
                       static_cast<uint16_t*>(dst));
      break;
    case 4:
      CopyStridedTyped(static_cast<const uint32_t*>(src), std::move(dims),
                       static_cast<uint32_t*>(dst));
      break;
    case 8:
      CopyStridedTyped(static_cast<const uint64_t*>(src), std::move(dims),
                       static_cast<uint64_t*>(dst));
      break;
    default:
      break;
  }
}

Status ComputeCopyInput0(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  if (out.nbytes() != in.nbytes()) {
    return ctx.Error("output holds ", out.nbytes(), " bytes but the input holds ", in.nbytes());
  }
  if (out.data != in.data && out.nbytes() > 0) std::memcpy(out.data, in.data, out.nbytes());
  return Status::Ok();
}

Status CheckSameDType(const InferContext& ctx, std::initializer_list<size_t> indices) {
  const DType want = ctx.inputs[0].dtype;
  for (size_t i : indices) {
    if (!ctx.has_input(i)) return ctx.Error("input ", i, " is required");
    if (ctx.inputs[i].dtype != want) {
      return ctx.Error("input ", i, " is ", DTypeName(ctx.inputs[i].dtype), " but input 0 is ",
                       DTypeName(want), "; they must match");
    }
  }
  return Status::Ok();
}

Result<ScatterReduction> ReadScatterReduction(const model::Node& node) {
  const std::string r = node.attrs.GetString("reduction", "none");
  if (r == "none") return ScatterReduction::kNone;
  if (r == "add") return ScatterReduction::kAdd;
  if (r == "mul") return ScatterReduction::kMul;
  if (r == "max") return ScatterReduction::kMax;
  if (r == "min") return ScatterReduction::kMin;
  return NodeError(node, "reduction '", r,
                   "' is not supported; expected none, add, mul, max or min");
}

}  // namespace mota::exec
