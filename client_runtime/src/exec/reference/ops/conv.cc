// Conv: N-D convolution (ONNX Conv-11), 1-D to 3-D, with groups, dilations, strides, pads and
// auto_pad. Inputs X [N, C, D...], W [M, C/group, k...], B [M]?; output [N, M, out...].
// General case: im2col + the blocked GEMM (gemm_util.h). One input channel per group
// (depthwise): a direct loop, since im2col would only add copies there.
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "exec/reference/conv_util.h"
#include "exec/reference/gemm_util.h"
#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

struct ConvProblem {
  int64_t batch = 0;
  int64_t channels = 0;  // C
  int64_t filters = 0;   // M
  int64_t group = 1;
  Window3 w;
};

// Checks shapes and attributes and resolves the window; shared by infer and compute.
Result<ConvProblem> MakeProblem(const model::Node& node, const TensorView& x, const TensorView& w,
                                WindowGeometry* geometry) {
  auto error = [&](const auto&... args) {
    return InvalidArgument("Conv node '", node.name, "': ", args...);
  };
  MOTA_RETURN_IF_ERROR(CheckConvOperands(node, x, w));
  ConvProblem p;
  p.batch = x.shape[0];
  p.channels = x.shape[1];
  p.filters = w.shape[0];
  p.group = node.attrs.GetInt("group", 1);
  if (p.group < 1 || p.channels % p.group != 0 || p.filters % p.group != 0 ||
      w.shape[1] * p.group != p.channels) {
    return error("group ", p.group, " does not fit X ", ShapeToString(x.shape), " and W ",
                 ShapeToString(w.shape),
                 ": expected C and M divisible by group and W[1] == C / group");
  }
  const std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end());
  const std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (node.attrs.Has("kernel_shape") && node.attrs.GetInts("kernel_shape") != kernel) {
    return error("kernel_shape ", ShapeToString(node.attrs.GetInts("kernel_shape")),
                 " does not match W ", ShapeToString(w.shape));
  }
  MOTA_ASSIGN_OR_RETURN(*geometry, ResolveWindow(node, in, {.default_kernel = kernel}));
  p.w = ToWindow3(*geometry);
  return p;
}

Status InferConv(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& w = ctx.inputs[1];
  WindowGeometry g;
  MOTA_ASSIGN_OR_RETURN(ConvProblem p, MakeProblem(ctx.node, x, w, &g));
  return SetConvOutput(ctx, p.batch, p.filters, g);
}

bool IsPointwise(const Window3& w) {
  for (int d = 0; d < 3; ++d) {
    if (w.kernel[d] != 1 || w.stride[d] != 1 || w.pad[d] != 0 || w.in[d] != w.out[d]) return false;
  }
  return true;
}

// im2col + GEMM per image and group, in tiles of output rows that bound the column buffer.
Status ConvIm2col(KernelContext& ctx, const ConvProblem& p, const float* x, const float* wt,
                  float* y) {
  const Window3& w = p.w;
  const int64_t cg = p.channels / p.group, mg = p.filters / p.group;
  const int64_t k = cg * w.kernel_size();
  const int64_t rows = w.out[0] * w.out[1];
  const bool pointwise = IsPointwise(w);
  // Tiles keep the column buffer under ~8 MB (at least one output row per tile).
  constexpr int64_t kMaxColFloats = int64_t{1} << 21;
  const int64_t tile_rows =
      std::max<int64_t>(1, std::min(rows, kMaxColFloats / std::max<int64_t>(1, k * w.out[2])));
  std::unique_ptr<float[]> col;
  if (!pointwise) {
    col.reset(new (std::nothrow) float[static_cast<size_t>(k * tile_rows * w.out[2])]);
    if (!col)
      return OutOfMemory("Conv node '", ctx.node.name, "': cannot allocate the im2col buffer");
  }
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      const float* xg = x + (n * p.channels + g * cg) * w.in_size();
      float* yg = y + (n * p.filters + g * mg) * w.out_size();
      for (int64_t q0 = 0; q0 < rows; q0 += tile_rows) {
        const int64_t q1 = std::min(rows, q0 + tile_rows);
        const int64_t cols = (q1 - q0) * w.out[2];
        const float* b = xg + q0 * w.out[2];
        int64_t ldb = w.out_size();
        if (!pointwise) {
          ParallelFor(ctx.pool, k, 8, [&](int64_t r0, int64_t r1) {
            Im2colRows(w, xg, r0, r1, q0, q1, col.get(), std::identity{});
          });
          b = col.get();
          ldb = cols;
        }
        GemmF32Parallel(ctx.pool, {.m = mg,
                                   .n = cols,
                                   .k = k,
                                   .a = wt + g * mg * k,
                                   .lda = k,
                                   .b = b,
                                   .ldb = ldb,
                                   .c = yg + q0 * w.out[2],
                                   .ldc = w.out_size()});
      }
    }
  }
  return Status::Ok();
}

// Adds one kernel row's taps to an output row, tap by tap over [lo, hi) of each tap.
void DepthwiseRowTaps(float* __restrict orow, const float* __restrict irow, const float* taps,
                      const std::vector<ColumnTap>& columns, int64_t stride) {
  for (size_t kw = 0; kw < columns.size(); ++kw) {
    const ColumnTap& c = columns[kw];
    const float tap = taps[kw];
    if (stride == 1) {
      for (int64_t o = c.lo; o < c.hi; ++o) orow[o] += tap * irow[o + c.offset];
    } else {
      for (int64_t o = c.lo; o < c.hi; ++o) orow[o] += tap * irow[o * stride + c.offset];
    }
  }
}

// A kernel row of width 3 (the common case): where all three taps read real input they are
// added in one pass over the output row, the edges tap by tap.
void DepthwiseRow3(float* __restrict orow, const float* __restrict irow, const float* taps,
                   const std::vector<ColumnTap>& c, int64_t stride) {
  const int64_t lo = std::max({c[0].lo, c[1].lo, c[2].lo});
  const int64_t hi = std::min({c[0].hi, c[1].hi, c[2].hi});
  if (lo >= hi) {
    DepthwiseRowTaps(orow, irow, taps, c, stride);
    return;
  }
  for (int t = 0; t < 3; ++t) {
    const int64_t s = stride, off = c[t].offset;
    for (int64_t o = c[t].lo; o < lo; ++o) orow[o] += taps[t] * irow[o * s + off];
    for (int64_t o = hi; o < c[t].hi; ++o) orow[o] += taps[t] * irow[o * s + off];
  }
  const float t0 = taps[0], t1 = taps[1], t2 = taps[2];
  const float* r0 = irow + c[0].offset + lo * stride;
  const float* r1 = irow + c[1].offset + lo * stride;
  const float* r2 = irow + c[2].offset + lo * stride;
  float* out = orow + lo;
  const int64_t n = hi - lo;
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] += t0 * r0[i] + t1 * r1[i] + t2 * r2[i];
  } else {
    for (int64_t i = 0; i < n; ++i) {
      out[i] += t0 * r0[i * stride] + t1 * r1[i * stride] + t2 * r2[i * stride];
    }
  }
}

// One output plane of a conv whose groups have a single input channel: kernel row by kernel
// row over each output row, so the row stays in L1 and the inner loop is a contiguous
// multiply-add.
void DepthwisePlane(const Window3& w, const std::vector<ColumnTap>& columns, const float* x,
                    const float* wt, float* y) {
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh) {
      float* orow = y + (od * w.out[1] + oh) * w.out[2];
      for (int64_t o = 0; o < w.out[2]; ++o) orow[o] = 0.0f;
      for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
        const int64_t id = od * w.stride[0] - w.pad[0] + kd * w.dilation[0];
        if (id < 0 || id >= w.in[0]) continue;
        for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
          const int64_t ih = oh * w.stride[1] - w.pad[1] + kh * w.dilation[1];
          if (ih < 0 || ih >= w.in[1]) continue;
          const float* irow = x + (id * w.in[1] + ih) * w.in[2];
          const float* taps = wt + (kd * w.kernel[1] + kh) * w.kernel[2];
          if (w.kernel[2] == 3) {
            DepthwiseRow3(orow, irow, taps, columns, w.stride[2]);
          } else {
            DepthwiseRowTaps(orow, irow, taps, columns, w.stride[2]);
          }
        }
      }
    }
  }
}

void ConvDepthwise(KernelContext& ctx, const ConvProblem& p, const float* x, const float* wt,
                   float* y) {
  const int64_t mg = p.filters / p.group;
  const Window3& w = p.w;
  const std::vector<ColumnTap> columns = ColumnTaps(w);
  ParallelFor(ctx.pool, p.batch * p.filters, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / p.filters, m = i % p.filters;
      const float* xc = x + (n * p.channels + m / mg) * w.in_size();
      DepthwisePlane(w, columns, xc, wt + m * w.kernel_size(), y + i * w.out_size());
    }
  });
}

void AddBias(const ConvProblem& p, const float* bias, float* y) {
  const int64_t plane = p.w.out_size();
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t m = 0; m < p.filters; ++m) {
      float* row = y + (n * p.filters + m) * plane;
      const float b = bias[m];
      for (int64_t i = 0; i < plane; ++i) row[i] += b;
    }
  }
}

Status ComputeConv(KernelContext& ctx) {
  WindowGeometry g;
  MOTA_ASSIGN_OR_RETURN(ConvProblem p, MakeProblem(ctx.node, ctx.inputs[0], ctx.inputs[1], &g));
  const float* x = ctx.inputs[0].as<float>();
  const float* wt = ctx.inputs[1].as<float>();
  float* y = ctx.outputs[0].as<float>();
  if (ctx.outputs[0].numel() == 0) return Status::Ok();
  if (p.channels == p.group) {
    ConvDepthwise(ctx, p, x, wt, y);
  } else {
    MOTA_RETURN_IF_ERROR(ConvIm2col(ctx, p, x, wt, y));
  }
  if (ctx.has_input(2)) AddBias(p, ctx.inputs[2].as<float>(), y);
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Conv, {"Conv", 2, 3, 1, 1, InferConv, ComputeConv});

}  // namespace mota::exec
