// Pad: grows (or, with negative pads, crops) each axis (ONNX Pad-18, plus wrap from Pad-19).
// Inputs: data, pads [b_1..b_n, e_1..e_n] (known at prepare time), constant_value? (a scalar of
// data's dtype, default 0), axes? (which axes the pads refer to, default all). Modes: constant,
// reflect (mirror without repeating the edge, as numpy), edge (repeat the edge), wrap.
#include <algorithm>
#include <cstring>
#include <string>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

struct PadSpec {
  PadMode mode;
  std::vector<int64_t> begin, end;  // per data dim
  Shape out;
};

Result<PadMode> ReadMode(const model::Node& node) {
  const std::string mode = node.attrs.GetString("mode", "constant");
  if (mode == "constant") return PadMode::kConstant;
  if (mode == "reflect") return PadMode::kReflect;
  if (mode == "edge") return PadMode::kEdge;
  if (mode == "wrap") return PadMode::kWrap;
  return NodeError(node, "mode '", mode,
                   "' is not supported; expected constant, reflect, edge or wrap");
}

Result<PadSpec> ResolvePad(const model::Node& node, std::span<const TensorView> inputs) {
  const Shape& shape = inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  PadSpec s;
  MOTA_ASSIGN_OR_RETURN(s.mode, ReadMode(node));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> pads, KnownIntValues(node, inputs, 1, "pads"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> raw_axes, OptionalIntValues(node, inputs, 3, "axes"));
  if (!HasNonEmptyInput(inputs, 3)) {
    for (int64_t d = 0; d < rank; ++d) raw_axes.push_back(d);
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxisList(node, raw_axes, rank));
  if (pads.size() != 2 * axes.size()) {
    return NodeError(node, "pads ", ShapeToString(pads), " must have ", 2 * axes.size(),
                     " values (begin and end for each of ", axes.size(), " axes)");
  }
  s.begin.assign(shape.size(), 0);
  s.end.assign(shape.size(), 0);
  s.out = shape;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = axes[i];
    s.begin[d] = pads[i];
    s.end[d] = pads[i + axes.size()];
    s.out[d] = shape[d] + s.begin[d] + s.end[d];
    if (s.out[d] < 0) {
      return NodeError(node, "pads ", ShapeToString(pads), " crop axis ", d, " of size ", shape[d],
                       " below 0");
    }
    if (s.mode != PadMode::kConstant && shape[d] == 0 && s.out[d] > 0) {
      return NodeError(node, "cannot pad the empty axis ", d, " in mode '",
                       node.attrs.GetString("mode", ""), "': there is no value to repeat");
    }
  }
  return s;
}

Status InferPad(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  if (ctx.has_input(2) && ctx.inputs[2].dtype != data.dtype) {
    return ctx.Error("constant_value is ", DTypeName(ctx.inputs[2].dtype), " but data is ",
                     DTypeName(data.dtype));
  }
  MOTA_ASSIGN_OR_RETURN(PadSpec s, ResolvePad(ctx.node, ctx.inputs));
  ctx.outputs[0] = {data.dtype, s.out, nullptr};
  return Status::Ok();
}

// The source index of output position o along a dim of size n, or -1 for the constant.
int64_t SourceIndex(PadMode mode, int64_t o, int64_t begin, int64_t n) {
  const int64_t i = o - begin;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant:
      return -1;
    case PadMode::kEdge:
      return i < 0 ? 0 : n - 1;
    case PadMode::kWrap:
      return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      const int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

template <typename T>
void PadRows(const TensorView& in, const TensorView& out, const PadSpec& s, T value) {
  const size_t rank = in.shape.size();
  std::vector<std::vector<int64_t>> maps(rank);
  for (size_t d = 0; d < rank; ++d) {
    for (int64_t o = 0; o < s.out[d]; ++o)
      maps[d].push_back(SourceIndex(s.mode, o, s.begin[d], in.shape[d]));
  }
  const std::vector<int64_t> strides = RowMajorStrides(in.shape);
  const int64_t cols = s.out[rank - 1];
  const std::vector<int64_t>& col_map = maps[rank - 1];
  // The output columns [lo, hi) copy one contiguous input run.
  const int64_t lo = std::clamp<int64_t>(s.begin[rank - 1], 0, cols);
  const int64_t hi = std::clamp<int64_t>(s.begin[rank - 1] + in.shape[rank - 1], lo, cols);
  const T* src = in.as<T>();
  T* dst = out.as<T>();
  const int64_t rows = cols == 0 ? 0 : out.numel() / cols;
  std::vector<int64_t> idx(rank, 0);
  for (int64_t r = 0; r < rows; ++r, dst += cols) {
    int64_t base = 0;
    bool constant_row = false;
    for (size_t d = 0; d + 1 < rank; ++d) {
      const int64_t k = maps[d][idx[d]];
      constant_row |= k < 0;
      base += k * strides[d];
    }
    if (constant_row) {
      std::fill_n(dst, cols, value);
    } else {
      for (int64_t c = 0; c < lo; ++c) dst[c] = col_map[c] < 0 ? value : src[base + col_map[c]];
      if (hi > lo)
        std::memcpy(dst + lo, src + base + col_map[lo], static_cast<size_t>(hi - lo) * sizeof(T));
      for (int64_t c = hi; c < cols; ++c) dst[c] = col_map[c] < 0 ? value : src[base + col_map[c]];
    }
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < s.out[d]) break;
      idx[d] = 0;
    }
  }
}

Status ComputePad(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  MOTA_ASSIGN_OR_RETURN(PadSpec s, ResolvePad(ctx.node, ctx.inputs));
  if (out.numel() == 0) return Status::Ok();
  if (in.rank() == 0) return ComputeCopyInput0(ctx);
  return MOTA_DISPATCH_BY_SIZE(in.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    T value{};
    if (HasNonEmptyInput(ctx.inputs, 2)) std::memcpy(&value, ctx.inputs[2].data, sizeof(T));
    PadRows<T>(in, out, s, value);
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(Pad, {"Pad", 2, 4, 1, 1, InferPad, ComputePad});

}  // namespace mota::exec
