// Shared by Softmax, LogSoftmax and Hardmax (ONNX opset 13 forms, plus mota's coerce_2d for the
// opset < 13 behaviour): which elements form one normalized row, and a loop over the rows.
//   coerce_2d = 0: rows run along `axis` (default -1); the other dims index the rows.
//   coerce_2d = 1: X is flattened to [prod(dims[:axis]), prod(dims[axis:])] (axis default 1)
//                  and each row of that 2-D view is normalized as a whole.
#pragma once

#include <cstdint>
#include <vector>

#include "exec/op_registry.h"

namespace mota::exec {

struct AxisRows {
  int64_t outer = 1;  // rows before the axis
  int64_t len = 1;    // elements per row
  int64_t inner = 1;  // stride between a row's elements (rows after the axis)
};

Result<AxisRows> SoftmaxRows(const model::Node& node, const Shape& shape);

// f32 X; Y has X's shape (Softmax, LogSoftmax, Hardmax).
Status InferSoftmaxLike(InferContext& ctx);

// Calls fn(in_row, out_row, len) for every row with contiguous copies of strided rows, over the
// thread pool. fn is a functor, inlined per op.
template <typename Fn>
void ForEachAxisRow(ThreadPool* pool, const AxisRows& r, const float* x, float* y, Fn fn) {
  ParallelFor(pool, r.outer * r.inner, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> in_row, out_row;
    if (r.inner != 1) {
      in_row.resize(r.len);
      out_row.resize(r.len);
    }
    for (int64_t row = begin; row < end; ++row) {
      const int64_t o = row / r.inner, i = row % r.inner;
      const int64_t base = o * r.len * r.inner + i;
      if (r.inner == 1) {
        fn(x + base, y + base, r.len);
        continue;
      }
      for (int64_t j = 0; j < r.len; ++j) in_row[j] = x[base + j * r.inner];
      fn(in_row.data(), out_row.data(), r.len);
      for (int64_t j = 0; j < r.len; ++j) y[base + j * r.inner] = out_row[j];
    }
  });
}

}  // namespace mota::exec
