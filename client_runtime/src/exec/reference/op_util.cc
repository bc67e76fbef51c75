#include "exec/reference/op_util.h"

#include <algorithm>

namespace mota::exec {

Result<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return InvalidArgument("shapes ", ShapeToString(a), " and ", ShapeToString(b),
                             " do not broadcast (dim ", i, ": ", da, " vs ", db, ")");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  const size_t offset = out.size() - shape.size();
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i + offset] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

Result<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (rank <= 0) return InvalidArgument("axis ", axis, " given for a scalar (rank 0): the op needs rank >= 1");
  if (axis < -rank || axis > rank - 1) {
    return InvalidArgument("axis ", axis, " is out of range for rank ", rank, " (expected ", -rank, "..",
                           rank - 1, ")");
  }
  return axis < 0 ? axis + rank : axis;
}

Result<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const InferContext& ctx) {
  Result<int64_t> r = NormalizeAxis(axis, rank);
  if (!r.ok()) return ctx.Error(r.status().message());
  return r;
}

}  // namespace mota::exec
