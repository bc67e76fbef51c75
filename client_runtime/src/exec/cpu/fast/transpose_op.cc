// Fast Transpose for any dtype. Size-1 dims are dropped and dims that stay adjacent are merged,
// then either
//   - the input's last dim stays last (the 0,2,1,3 head split): contiguous rows are copied, or
//   - it moves (0,1,3,2 and 0,2,3,1 for K^T): each 2-D slice pairing the output's last dim with
//     the input's last dim is transposed in cache-line blocks, so reads and writes both stay within
//     a few cache lines.
#include <algorithm>
#include <cstring>
#include <vector>

#include "exec/cpu/kernels.h"

namespace mota::exec::fast {
namespace {

Status Reference(KernelContext& ctx) { return FindOp(ctx.node.op_type)->compute(ctx); }

struct Merged {
  std::vector<int64_t> dims;  // input dims after dropping 1s and merging
  std::vector<int64_t> perm;  // output dim i is merged input dim perm[i]
};

Merged Merge(const Shape& shape, const std::vector<int64_t>& perm) {
  // Keep input dims > 1, renumbered in input order.
  std::vector<int64_t> index(shape.size(), -1);
  Merged m;
  std::vector<int64_t> dims;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1) {
      index[d] = static_cast<int64_t>(dims.size());
      dims.push_back(shape[d]);
    }
  }
  std::vector<int64_t> p;
  for (int64_t d : perm) {
    if (index[d] >= 0) p.push_back(index[d]);
  }
  // Merge output-adjacent dims that are input-adjacent too.
  std::vector<int64_t> group_of(dims.size(), -1);  // input dim -> merged group start
  std::vector<int64_t> starts;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0 && p[i] == p[i - 1] + 1) continue;
    starts.push_back(p[i]);
  }
  std::sort(starts.begin(), starts.end());
  std::vector<int64_t> new_index(dims.size(), -1);
  for (size_t g = 0; g < starts.size(); ++g) {
    const int64_t end = g + 1 < starts.size() ? starts[g + 1] : static_cast<int64_t>(dims.size());
    int64_t size = 1;
    for (int64_t d = starts[g]; d < end; ++d) size *= dims[d];
    m.dims.push_back(size);
    new_index[starts[g]] = static_cast<int64_t>(g);
  }
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0 && p[i] == p[i - 1] + 1) continue;
    m.perm.push_back(new_index[p[i]]);
  }
  return m;
}

// Calls f(in_offset, out_offset) (in elements) for every index of the output dims in `loop`.
template <typename F>
void ForEachIndex(const std::vector<int64_t>& sizes, const std::vector<int64_t>& in_strides,
                  const std::vector<int64_t>& out_strides, F&& f) {
  const size_t r = sizes.size();
  std::vector<int64_t> idx(r, 0);
  int64_t in = 0, out = 0;
  while (true) {
    f(in, out);
    size_t d = r;
    while (d > 0) {
      --d;
      if (++idx[d] < sizes[d]) {
        in += in_strides[d];
        out += out_strides[d];
        break;
      }
      in -= in_strides[d] * (sizes[d] - 1);
      out -= out_strides[d] * (sizes[d] - 1);
      idx[d] = 0;
      if (d == 0) return;
    }
    if (r == 0) return;
  }
}

template <typename T>
void Transpose2D(const T* src, int64_t src_stride, T* dst, int64_t dst_stride, int64_t rows,
                 int64_t cols) {
  // dst[j * dst_stride + i] = src[i * src_stride + j], i < rows, j < cols, in blocks of one
  // cache line by one cache line (16 x 16 floats).
  constexpr int64_t kB = sizeof(T) >= 4 ? 64 / sizeof(T) : 16;
  for (int64_t i0 = 0; i0 < rows; i0 += kB) {
    const int64_t i1 = std::min(rows, i0 + kB);
    for (int64_t j0 = 0; j0 < cols; j0 += kB) {
      const int64_t j1 = std::min(cols, j0 + kB);
      for (int64_t j = j0; j < j1; ++j) {
        for (int64_t i = i0; i < i1; ++i) dst[j * dst_stride + i] = src[i * src_stride + j];
      }
    }
  }
}

template <typename T>
void RunTyped(const Merged& m, const T* src, T* dst) {
  const size_t r = m.dims.size();
  std::vector<int64_t> in_stride(r, 1), out_dims(r), out_stride(r, 1);
  for (size_t d = r - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * m.dims[d + 1];
  for (size_t i = 0; i < r; ++i) out_dims[i] = m.dims[m.perm[i]];
  for (size_t i = r - 1; i-- > 0;) out_stride[i] = out_stride[i + 1] * out_dims[i + 1];
  // Output dim q holds the input's last dim; the output's last dim comes from input dim j.
  const size_t q =
      std::find(m.perm.begin(), m.perm.end(), static_cast<int64_t>(r - 1)) - m.perm.begin();
  const int64_t j = m.perm[r - 1];
  std::vector<int64_t> sizes, ins, outs;
  for (size_t i = 0; i + 1 < r; ++i) {
    if (i == q) continue;
    sizes.push_back(out_dims[i]);
    ins.push_back(in_stride[m.perm[i]]);
    outs.push_back(out_stride[i]);
  }
  // Slice: rows = output dim r-1 (input stride in_stride[j]), cols = input's last dim.
  ForEachIndex(sizes, ins, outs, [&](int64_t in, int64_t out) {
    Transpose2D(src + in, in_stride[j], dst + out, out_stride[q], m.dims[j], m.dims[r - 1]);
  });
}

Status ComputeTransposeFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t rank = x.rank();
  std::vector<int64_t> perm = ctx.attrs().GetInts("perm");
  if (!ctx.attrs().Has("perm")) {
    perm.clear();
    for (int64_t d = rank; d-- > 0;) perm.push_back(d);
  }
  if (static_cast<int64_t>(perm.size()) != rank) return Reference(ctx);  // reports the error
  for (int64_t& p : perm) {
    if (p < 0) p += rank;
    if (p < 0 || p >= rank) return Reference(ctx);
  }
  const size_t esize = DTypeSize(x.dtype);
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(ctx.outputs[0].data);
  const Merged m = Merge(x.shape, perm);
  const size_t r = m.dims.size();
  if (x.numel() == 0) return Status::Ok();
  if (r <= 1) {
    std::memcpy(dst, src, x.nbytes());
    return Status::Ok();
  }
  if (m.perm[r - 1] == static_cast<int64_t>(r - 1)) {
    // Contiguous rows of the last dim: one memcpy each.
    Merged outer{std::vector<int64_t>(m.dims.begin(), m.dims.end() - 1),
                 std::vector<int64_t>(m.perm.begin(), m.perm.end() - 1)};
    const size_t row = static_cast<size_t>(m.dims[r - 1]) * esize;
    std::vector<int64_t> in_stride(r - 1, 1), out_stride(r - 1, 1), sizes(r - 1);
    for (size_t d = r - 2; d-- > 0;) in_stride[d] = in_stride[d + 1] * outer.dims[d + 1];
    for (size_t i = 0; i < r - 1; ++i) sizes[i] = outer.dims[outer.perm[i]];
    for (size_t i = r - 2; i-- > 0;) out_stride[i] = out_stride[i + 1] * sizes[i + 1];
    std::vector<int64_t> ins(r - 1);
    for (size_t i = 0; i < r - 1; ++i) ins[i] = in_stride[outer.perm[i]];
    ForEachIndex(sizes, ins, out_stride, [&](int64_t in, int64_t out) {
      std::memcpy(dst + out * row, src + in * row, row);
    });
    return Status::Ok();
  }
  switch (esize) {
    case 1:
      RunTyped(m, reinterpret_cast<const uint8_t*>(src), reinterpret_cast<uint8_t*>(dst));
      break;
    case 2:
      RunTyped(m, reinterpret_cast<const uint16_t*>(src), reinterpret_cast<uint16_t*>(dst));
      break;
    case 4:
      RunTyped(m, reinterpret_cast<const uint32_t*>(src), reinterpret_cast<uint32_t*>(dst));
      break;
    case 8:
      RunTyped(m, reinterpret_cast<const uint64_t*>(src), reinterpret_cast<uint64_t*>(dst));
      break;
    default:
      return Reference(ctx);
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(Transpose, ComputeTransposeFast);

}  // namespace mota::exec::fast
