// ConvTranspose (ONNX ConvTranspose-11), 1-D to 3-D, with groups, dilations, strides, pads,
// output_padding, output_shape and auto_pad. Inputs X [N, C, D...], W [C, M/group, k...],
// B [M]?; output [N, M, out...]. Computed as a GEMM (W^T x X gives every tap's contribution
// per input position) followed by col2im, which scatters the taps into the output.
#include <algorithm>
#include <memory>
#include <new>

#include "exec/reference/conv_util.h"
#include "exec/reference/gemm_util.h"
#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

struct TransposeProblem {
  int64_t batch = 0;
  int64_t channels = 0;  // C (input)
  int64_t filters = 0;   // M (output)
  int64_t group = 1;
  Window3 w;  // in: input sizes, out: output sizes
};

Result<TransposeProblem> MakeProblem(const model::Node& node, const TensorView& x,
                                     const TensorView& w, WindowGeometry* geometry) {
  auto error = [&](const auto&... args) {
    return InvalidArgument("ConvTranspose node '", node.name, "': ", args...);
  };
  MOTA_RETURN_IF_ERROR(CheckConvOperands(node, x, w));
  TransposeProblem p;
  p.batch = x.shape[0];
  p.channels = x.shape[1];
  p.group = node.attrs.GetInt("group", 1);
  if (p.group < 1 || p.channels % p.group != 0 || w.shape[0] != p.channels) {
    return error("group ", p.group, " does not fit X ", ShapeToString(x.shape), " and W ",
                 ShapeToString(w.shape), ": expected W[0] == C and C divisible by group");
  }
  p.filters = w.shape[1] * p.group;
  const std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end());
  const std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (node.attrs.Has("kernel_shape") && node.attrs.GetInts("kernel_shape") != kernel) {
    return error("kernel_shape ", ShapeToString(node.attrs.GetInts("kernel_shape")),
                 " does not match W ", ShapeToString(w.shape));
  }
  MOTA_ASSIGN_OR_RETURN(*geometry, ResolveTransposedWindow(node, in, kernel));
  p.w = ToWindow3(*geometry);
  return p;
}

Status InferConvTranspose(InferContext& ctx) {
  WindowGeometry g;
  MOTA_ASSIGN_OR_RETURN(TransposeProblem p,
                        MakeProblem(ctx.node, ctx.inputs[0], ctx.inputs[1], &g));
  return SetConvOutput(ctx, p.batch, p.filters, g);
}

// Adds the tap rows of output channel m (rows m * ksz ... of `col`, columns = input positions
// of input rows [q0, q1)) into that channel's output plane.
void Col2imChannel(const Window3& w, const float* col, int64_t m, int64_t q0, int64_t q1,
                   float* y) {
  const int64_t ksz = w.kernel_size();
  const int64_t cols = (q1 - q0) * w.in[2];
  for (int64_t t = 0; t < ksz; ++t) {
    const int64_t kd = t / (w.kernel[1] * w.kernel[2]);
    const int64_t kh = t / w.kernel[2] % w.kernel[1];
    const int64_t kw = t % w.kernel[2];
    const float* src = col + (m * ksz + t) * cols;
    const int64_t offset = kw * w.dilation[2] - w.pad[2];
    int64_t lo, hi;  // input columns whose output column lands inside the output
    ValidOutputRange(w.in[2], w.stride[2], offset, w.out[2], &lo, &hi);
    for (int64_t q = q0; q < q1; ++q, src += w.in[2]) {
      const int64_t od = q / w.in[1] * w.stride[0] - w.pad[0] + kd * w.dilation[0];
      const int64_t oh = q % w.in[1] * w.stride[1] - w.pad[1] + kh * w.dilation[1];
      if (od < 0 || od >= w.out[0] || oh < 0 || oh >= w.out[1]) continue;
      float* row = y + (od * w.out[1] + oh) * w.out[2] + offset;
      for (int64_t i = lo; i < hi; ++i) row[i * w.stride[2]] += src[i];
    }
  }
}

Status ComputeConvTranspose(KernelContext& ctx) {
  WindowGeometry geometry;
  MOTA_ASSIGN_OR_RETURN(TransposeProblem p,
                        MakeProblem(ctx.node, ctx.inputs[0], ctx.inputs[1], &geometry));
  const Window3& w = p.w;
  const float* x = ctx.inputs[0].as<float>();
  const float* wt = ctx.inputs[1].as<float>();
  float* y = ctx.outputs[0].as<float>();
  const int64_t cg = p.channels / p.group, mg = p.filters / p.group;
  const int64_t ksz = w.kernel_size(), rows = w.in[0] * w.in[1];
  // Tiles of input rows keep the column buffer under ~8 MB.
  const int64_t tile_rows = std::max<int64_t>(
      1, std::min(rows, (int64_t{1} << 21) / std::max<int64_t>(1, mg * ksz * w.in[2])));
  std::unique_ptr<float[]> col(
      new (std::nothrow) float[static_cast<size_t>(mg * ksz * tile_rows * w.in[2])]);
  if (!col) return OutOfMemory("ConvTranspose node '", ctx.node.name, "': no memory for col");
  const int64_t plane = w.out_size();
  for (int64_t i = 0; i < ctx.outputs[0].numel(); ++i) y[i] = 0.0f;
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t g = 0; g < p.group; ++g) {
      const float* xg = x + (n * p.channels + g * cg) * w.in_size();
      float* yg = y + (n * p.filters + g * mg) * plane;
      for (int64_t q0 = 0; q0 < rows; q0 += tile_rows) {
        const int64_t q1 = std::min(rows, q0 + tile_rows);
        const int64_t cols = (q1 - q0) * w.in[2];
        // W_g is [cg, mg * ksz]: its transpose times X_g [cg, cols] gives col [mg * ksz, cols].
        GemmF32Parallel(ctx.pool, {.m = mg * ksz,
                                   .n = cols,
                                   .k = cg,
                                   .a = wt + g * cg * mg * ksz,
                                   .lda = mg * ksz,
                                   .trans_a = true,
                                   .b = xg + q0 * w.in[2],
                                   .ldb = w.in_size(),
                                   .c = col.get(),
                                   .ldc = cols});
        ParallelFor(ctx.pool, mg, 1, [&](int64_t m0, int64_t m1) {
          for (int64_t m = m0; m < m1; ++m) Col2imChannel(w, col.get(), m, q0, q1, yg + m * plane);
        });
      }
    }
  }
  if (ctx.has_input(2)) {
    const float* bias = ctx.inputs[2].as<float>();
    for (int64_t i = 0; i < p.batch * p.filters; ++i) {
      for (int64_t j = 0; j < plane; ++j) y[i * plane + j] += bias[i % p.filters];
    }
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(ConvTranspose,
                 {"ConvTranspose", 2, 3, 1, 1, InferConvTranspose, ComputeConvTranspose});

}  // namespace mota::exec
