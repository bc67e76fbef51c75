// Split: cuts the input along `axis` into the outputs (ONNX Split-18). The sizes come from input
// 1 (known at prepare time); else from num_outputs (ceil-sized parts, the last one smaller);
// else the input is split into equal parts, one per output.
#include <cstring>
#include <limits>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Result<std::vector<int64_t>> SplitSizes(const model::Node& node, std::span<const TensorView> inputs,
                                        int64_t dim, int64_t outputs) {
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> split, OptionalIntValues(node, inputs, 1, "split"));
  if (!split.empty()) {
    int64_t sum = 0;
    for (int64_t s : split) {
      if (s < 0) return NodeError(node, "split ", ShapeToString(split), " has a negative size");
      sum += s;
    }
    if (static_cast<int64_t>(split.size()) != outputs || sum != dim) {
      return NodeError(node, "split ", ShapeToString(split), " must have ", outputs,
                       " entries (one per output) summing to the axis size ", dim);
    }
    return split;
  }
  const int64_t num = node.attrs.GetInt("num_outputs", 0);
  if (node.attrs.Has("num_outputs")) {
    if (num != outputs || num < 1) {
      return NodeError(node, "num_outputs is ", num, " but the node has ", outputs, " outputs");
    }
    const int64_t part = (dim + num - 1) / num;
    std::vector<int64_t> sizes(static_cast<size_t>(num), part);
    sizes.back() = dim - part * (num - 1);
    if (sizes.back() < 0) {
      return NodeError(node, "cannot split an axis of size ", dim, " into ", num, " parts of size ",
                       part, " (the last part would be negative)");
    }
    return sizes;
  }
  if (dim % outputs != 0) {
    return NodeError(node, "cannot split an axis of size ", dim, " into ", outputs,
                     " equal parts; give the split input or num_outputs");
  }
  return std::vector<int64_t>(static_cast<size_t>(outputs), dim / outputs);
}

Status InferSplit(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.attrs().GetInt("axis", 0), in.rank(), ctx));
  const int64_t outputs = static_cast<int64_t>(ctx.outputs.size());
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> sizes,
                        SplitSizes(ctx.node, ctx.inputs, in.shape[axis], outputs));
  for (int64_t o = 0; o < outputs; ++o) {
    Shape shape = in.shape;
    shape[axis] = sizes[o];
    ctx.outputs[o] = {in.dtype, shape, nullptr};
  }
  return Status::Ok();
}

Status ComputeSplit(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), in.rank()).value();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= in.shape[d];
  if (outer == 0) return Status::Ok();
  const size_t in_row = in.nbytes() / static_cast<size_t>(outer);
  const uint8_t* src = static_cast<const uint8_t*>(in.data);
  size_t offset = 0;
  for (const TensorView& out : ctx.outputs) {
    const size_t row = out.nbytes() / static_cast<size_t>(outer);
    uint8_t* dst = static_cast<uint8_t*>(out.data);
    if (row > 0) {
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(dst + o * row, src + o * in_row + offset, row);
    }
    offset += row;
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Split,
                 {"Split", 1, 2, 1, std::numeric_limits<int>::max(), InferSplit, ComputeSplit});

}  // namespace mota::exec
