#include "exec/reference/conv_util.h"

#include <algorithm>
#include <string>

namespace mota::exec {
namespace {

template <typename... Args>
Status NodeError(const model::Node& node, const Args&... args) {
  return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
}

std::string ListToString(const std::vector<int64_t>& v) { return ShapeToString(v); }

// Bound on |kernel|, stride, dilation and pad values: far above any real model, and small enough
// that the window arithmetic below cannot overflow int64 (a hostile file's pads once did).
constexpr int64_t kMaxWindowValue = int64_t{1} << 30;

// Reads an ints attribute of exactly `n` values, each >= `min`; `fallback` when absent.
Result<std::vector<int64_t>> ReadSpatialInts(const model::Node& node, const char* name, size_t n,
                                             int64_t fallback, int64_t min) {
  if (!node.attrs.Has(name)) return std::vector<int64_t>(n, fallback);
  std::vector<int64_t> v = node.attrs.GetInts(name);
  if (v.size() != n) {
    return NodeError(node, "attribute ", name, " has ", v.size(), " values ", ListToString(v),
                     " but the input has ", n, " spatial dims");
  }
  for (int64_t x : v) {
    if (x < min || x > kMaxWindowValue) {
      return NodeError(node, "attribute ", name, " ", ListToString(v), " has a value outside ", min,
                       "..", kMaxWindowValue);
    }
  }
  return v;
}

// Reads kernel_shape, strides, dilations (all per spatial dim) into g.
Status ReadKernelStridesDilations(const model::Node& node, size_t n,
                                  const std::vector<int64_t>& default_kernel, WindowGeometry& g) {
  if (node.attrs.Has("kernel_shape")) {
    MOTA_ASSIGN_OR_RETURN(g.kernel, ReadSpatialInts(node, "kernel_shape", n, 1, 1));
  } else if (default_kernel.size() == n) {
    g.kernel = default_kernel;
    for (int64_t k : g.kernel) {
      if (k < 1) return NodeError(node, "kernel ", ListToString(g.kernel), " has an empty dim");
    }
  } else {
    return NodeError(node, "attribute kernel_shape is required (", n, " spatial dims)");
  }
  MOTA_ASSIGN_OR_RETURN(g.stride, ReadSpatialInts(node, "strides", n, 1, 1));
  MOTA_ASSIGN_OR_RETURN(g.dilation, ReadSpatialInts(node, "dilations", n, 1, 1));
  return Status::Ok();
}

// Reads `pads` ([begin..., end...]) into g.pad_begin / g.pad_end.
Status ReadPads(const model::Node& node, size_t n, WindowGeometry& g) {
  g.pad_begin.assign(n, 0);
  g.pad_end.assign(n, 0);
  if (!node.attrs.Has("pads")) return Status::Ok();
  const std::vector<int64_t> pads = node.attrs.GetInts("pads");
  if (pads.size() != 2 * n) {
    return NodeError(node, "attribute pads ", ListToString(pads), " has ", pads.size(),
                     " values; expected ", 2 * n, " (begin and end for each spatial dim)");
  }
  for (int64_t p : pads) {
    if (p < -kMaxWindowValue || p > kMaxWindowValue) {
      return NodeError(node, "attribute pads ", ListToString(pads), " has a value outside ",
                       -kMaxWindowValue, "..", kMaxWindowValue);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    g.pad_begin[i] = pads[i];
    g.pad_end[i] = pads[n + i];
  }
  return Status::Ok();
}

int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

// Output size of one dim for explicit pads (Conv/pool formula).
int64_t ExplicitOutSize(int64_t in, int64_t k_eff, int64_t stride, int64_t pb, int64_t pe,
                        bool ceil_mode) {
  const int64_t span = in + pb + pe - k_eff;
  if (span < 0) return 0;
  if (!ceil_mode) return span / stride + 1;
  int64_t out = CeilDiv(span, stride) + 1;
  // The last window must start inside the input or the begin padding.
  if ((out - 1) * stride >= in + pb) --out;
  return out;
}

}  // namespace

std::vector<ColumnTap> ColumnTaps(const Window3& w) {
  std::vector<ColumnTap> taps(static_cast<size_t>(w.kernel[2]));
  for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
    ColumnTap& t = taps[kw];
    t.offset = kw * w.dilation[2] - w.pad[2];
    ValidOutputRange(w.out[2], w.stride[2], t.offset, w.in[2], &t.lo, &t.hi);
  }
  return taps;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

Status CheckConvOperands(const model::Node& node, const TensorView& x, const TensorView& w) {
  if (x.dtype != DType::kF32 || w.dtype != DType::kF32) {
    return InvalidArgument(node.op_type, " node '", node.name, "': expects f32 X and W, got ",
                           DTypeName(x.dtype), " and ", DTypeName(w.dtype));
  }
  if (x.rank() < 3 || w.rank() != x.rank()) {
    return InvalidArgument(node.op_type, " node '", node.name, "': X ", ShapeToString(x.shape),
                           " and W ", ShapeToString(w.shape),
                           " must have the same rank, at least 3 (N, C, spatial...)");
  }
  if (x.rank() > 5) {
    return Unimplemented(node.op_type, " node '", node.name, "': ", x.rank() - 2,
                         "-D convolution is not supported (1-D to 3-D are)");
  }
  return Status::Ok();
}

Result<AutoPad> ReadAutoPad(const model::Node& node) {
  const std::string s = node.attrs.GetString("auto_pad", "NOTSET");
  if (s == "NOTSET" || s.empty()) return AutoPad::kNotSet;
  if (s == "SAME_UPPER") return AutoPad::kSameUpper;
  if (s == "SAME_LOWER") return AutoPad::kSameLower;
  if (s == "VALID") return AutoPad::kValid;
  return NodeError(node, "attribute auto_pad is '", s,
                   "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
}

Result<WindowGeometry> ResolveWindow(const model::Node& node, const std::vector<int64_t>& in,
                                     const WindowOptions& options) {
  const size_t n = in.size();
  WindowGeometry g;
  g.in = in;
  MOTA_RETURN_IF_ERROR(ReadKernelStridesDilations(node, n, options.default_kernel, g));
  MOTA_ASSIGN_OR_RETURN(AutoPad auto_pad, ReadAutoPad(node));
  MOTA_RETURN_IF_ERROR(ReadPads(node, n, g));
  g.out.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t k_eff = (g.kernel[i] - 1) * g.dilation[i] + 1;
    const int64_t s = g.stride[i];
    if (auto_pad == AutoPad::kSameUpper || auto_pad == AutoPad::kSameLower) {
      g.out[i] = CeilDiv(in[i], s);
      const int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * s + k_eff - in[i]);
      const int64_t small = total / 2;
      g.pad_begin[i] = auto_pad == AutoPad::kSameUpper ? small : total - small;
      g.pad_end[i] = total - g.pad_begin[i];
      continue;
    }
    if (auto_pad == AutoPad::kValid) g.pad_begin[i] = g.pad_end[i] = 0;
    g.out[i] = ExplicitOutSize(in[i], k_eff, s, g.pad_begin[i], g.pad_end[i], options.ceil_mode);
    if (g.out[i] <= 0) {
      return NodeError(node, "spatial dim ", i, " of size ", in[i], " with pads ", g.pad_begin[i],
                       "+", g.pad_end[i], " is smaller than the dilated kernel (", k_eff,
                       "): the output would be empty");
    }
  }
  return g;
}

Result<WindowGeometry> ResolveTransposedWindow(const model::Node& node,
                                               const std::vector<int64_t>& in,
                                               const std::vector<int64_t>& kernel_from_w) {
  const size_t n = in.size();
  WindowGeometry g;
  g.in = in;
  MOTA_RETURN_IF_ERROR(ReadKernelStridesDilations(node, n, kernel_from_w, g));
  MOTA_ASSIGN_OR_RETURN(AutoPad auto_pad, ReadAutoPad(node));
  MOTA_RETURN_IF_ERROR(ReadPads(node, n, g));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> out_pad,
                        ReadSpatialInts(node, "output_padding", n, 0, 0));
  std::vector<int64_t> out_shape = node.attrs.GetInts("output_shape");
  // output_shape may list only the spatial dims or the whole output shape.
  if (out_shape.size() == n + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != n) {
    return NodeError(node, "attribute output_shape ",
                     ListToString(node.attrs.GetInts("output_shape")), " does not match the ", n,
                     " spatial dims of the input");
  }
  const bool same = auto_pad == AutoPad::kSameUpper || auto_pad == AutoPad::kSameLower;
  g.out.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t k_eff = (g.kernel[i] - 1) * g.dilation[i] + 1;
    const int64_t full = g.stride[i] * (in[i] - 1) + out_pad[i] + k_eff;
    if (!out_shape.empty() || same) {
      // ONNX: pads follow from the requested output size; SAME_UPPER puts the smaller half first.
      g.out[i] = out_shape.empty() ? in[i] * g.stride[i] : out_shape[i];
      const int64_t total = full - g.out[i];
      const int64_t half = FloorDiv(total, 2);
      g.pad_begin[i] = auto_pad == AutoPad::kSameUpper ? half : total - half;
      g.pad_end[i] = total - g.pad_begin[i];
    } else {
      if (auto_pad == AutoPad::kValid) g.pad_begin[i] = g.pad_end[i] = 0;
      g.out[i] = full - g.pad_begin[i] - g.pad_end[i];
    }
    if (g.out[i] <= 0) {
      return NodeError(node, "output spatial dim ", i, " would be ", g.out[i], " (input ", in[i],
                       ", kernel ", g.kernel[i], ", stride ", g.stride[i], ", pads ",
                       g.pad_begin[i], "+", g.pad_end[i], "); expected a positive size");
    }
  }
  return g;
}

Window3 ToWindow3(const WindowGeometry& g) {
  Window3 w;
  const size_t n = g.rank();
  for (size_t d = 0; d < 3; ++d) {
    const bool real = d + n >= 3;
    const size_t s = real ? d + n - 3 : 0;
    w.in[d] = real ? g.in[s] : 1;
    w.out[d] = real ? g.out[s] : 1;
    w.kernel[d] = real ? g.kernel[s] : 1;
    w.stride[d] = real ? g.stride[s] : 1;
    w.dilation[d] = real ? g.dilation[s] : 1;
    w.pad[d] = real ? g.pad_begin[s] : 0;
  }
  return w;
}

void ValidOutputRange(int64_t out, int64_t stride, int64_t offset, int64_t in, int64_t* lo,
                      int64_t* hi) {
  // o * stride + offset >= 0  <=>  o >= ceil(-offset / stride)
  const int64_t first = offset >= 0 ? 0 : CeilDiv(-offset, stride);
  // o * stride + offset <= in - 1  <=>  o <= floor((in - 1 - offset) / stride)
  const int64_t last = in - 1 - offset < 0 ? -1 : (in - 1 - offset) / stride;
  *lo = std::min(first, out);
  *hi = std::max(*lo, std::min(last + 1, out));
}

Status SetConvOutput(InferContext& ctx, int64_t batch, int64_t filters, const WindowGeometry& g) {
  if (ctx.has_input(2)) {
    const TensorView& b = ctx.inputs[2];
    if (b.dtype != DType::kF32 || b.rank() != 1 || b.shape[0] != filters) {
      return ctx.Error("bias B has dtype ", DTypeName(b.dtype), " shape ", ShapeToString(b.shape),
                       "; expected f32 [", filters, "]");
    }
  }
  Shape out = {batch, filters};
  out.insert(out.end(), g.out.begin(), g.out.end());
  ctx.outputs[0] = {DType::kF32, out, nullptr};
  return Status::Ok();
}

}  // namespace mota::exec
