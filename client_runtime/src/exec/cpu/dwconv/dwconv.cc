// The depthwise-conv NHWC kernel: factory, weight packing, threading, and the portable row
// function (plain loops over channels that the compiler vectorizes; also the ARM64 path).
#include "exec/cpu/dwconv/dwconv.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "base/aligned_buffer.h"
#include "exec/activation.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/conv_util.h"

namespace mota::exec::dwconv {

void FinishShape(DwShape* s) {
  s->padded_channels = (s->channels + kChannelBlock - 1) / kChannelBlock * kChannelBlock;
  // Column ow is interior when ow * stride - pad_left >= 0 and its last tap is < in_w.
  const int64_t begin = (s->pad_left + s->stride_w - 1) / s->stride_w;
  const int64_t last = s->in_w - s->kernel_w + s->pad_left;  // largest ow * stride allowed
  const int64_t end = last < 0 ? 0 : last / s->stride_w + 1;
  s->interior_begin = std::min(begin, s->out_w);
  s->interior_end = std::clamp(end, s->interior_begin, s->out_w);
}

void KernelRows(const DwArgs& args, const float* x, int64_t row, const float** rows) {
  const DwShape& s = *args.shape;
  const int64_t n = row / s.out_h, oh = row % s.out_h;
  const int64_t row_floats = s.in_w * s.channels;
  for (int i = 0; i < s.kernel_h; ++i) {
    const int64_t ih = oh * s.stride_h - s.pad_top + i;
    rows[i] = (ih < 0 || ih >= s.in_h) ? args.zero_row : x + (n * s.in_h + ih) * row_floats;
  }
}

namespace {

// One output pixel, all channels: the taps whose input column is inside the row.
void PortablePixel(const DwArgs& args, const float* const* rows, int64_t ow, float* out) {
  const DwShape& s = *args.shape;
  const int64_t c_n = s.channels, cp = s.padded_channels;
  const int64_t ix = ow * s.stride_w - s.pad_left;
  const int j0 = static_cast<int>(std::max<int64_t>(0, -ix));
  const int j1 = static_cast<int>(std::min<int64_t>(s.kernel_w, s.in_w - ix));
  for (int64_t c = 0; c < c_n; ++c) out[c] = args.bias[c];
  for (int i = 0; i < s.kernel_h; ++i) {
    for (int j = j0; j < j1; ++j) {
      const float* __restrict in = rows[i] + (ix + j) * c_n;
      const float* __restrict w = args.weights + (i * s.kernel_w + j) * cp;
      for (int64_t c = 0; c < c_n; ++c) out[c] += w[c] * in[c];
    }
  }
  const float lo = args.out_min, hi = args.out_max;
  for (int64_t c = 0; c < c_n; ++c) out[c] = std::min(std::max(out[c], lo), hi);
}

}  // namespace

void DwRowsPortable(const DwArgs& args, const float* x, float* y, int64_t row_begin,
                    int64_t row_end) {
  const DwShape& s = *args.shape;
  const float* rows[8];
  for (int64_t r = row_begin; r < row_end; ++r) {
    KernelRows(args, x, r, rows);
    float* yrow = y + r * s.out_w * s.channels;
    for (int64_t ow = 0; ow < s.out_w; ++ow) PortablePixel(args, rows, ow, yrow + ow * s.channels);
  }
}

namespace {

DwRowsFn PickRows() {
#if defined(__x86_64__)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512) return DwRowsAvx512;
  if (f.avx2) return DwRowsAvx2;
#endif
  return DwRowsPortable;
}

// Activations other than a clamp run as a pass over each finished row (they need exp/tanh or
// a multiply by the input; the clamp kinds are applied in registers by the row functions).
bool IsClamp(const Activation& act) {
  return act.kind == ActivationKind::kNone || act.kind == ActivationKind::kRelu ||
         act.kind == ActivationKind::kClip;
}

void PostActivation(const Activation& act, float* data, int64_t n) {
  if (act.kind == ActivationKind::kHardSwish) {
    // Vectorizable form of Activation::Apply for HardSwish (same operations).
    for (int64_t i = 0; i < n; ++i) {
      const float v = data[i];
      data[i] = v * std::max(0.0f, std::min(1.0f, v / 6.0f + 0.5f));
    }
    return;
  }
  ApplyActivation(act, data, n);
}

class DwConvKernel final : public NhwcKernel {
 public:
  DwConvKernel(const DwShape& shape, const Activation& act) : shape_(shape), act_(act) {}

  bool Init(const float* w, const float* b, DwRowsFn rows) {
    const DwShape& s = shape_;
    const int64_t taps = s.kernel_h * s.kernel_w, cp = s.padded_channels;
    if (!packed_.Resize(static_cast<size_t>((taps + 1) * cp) * sizeof(float)) ||
        !zero_.Resize(static_cast<size_t>(s.in_w * s.channels) * sizeof(float))) {
      return false;
    }
    float* pw = reinterpret_cast<float*>(packed_.data());
    // W is [C, 1, kh, kw]: tap t of channel c is w[c * taps + t].
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t c = 0; c < s.channels; ++c) pw[t * cp + c] = w[c * taps + t];
    }
    if (b != nullptr)
      std::memcpy(pw + taps * cp, b, static_cast<size_t>(s.channels) * sizeof(float));
    args_.shape = &shape_;
    args_.weights = pw;
    args_.bias = pw + taps * cp;
    args_.zero_row = reinterpret_cast<const float*>(zero_.data());
    constexpr float kInf = std::numeric_limits<float>::infinity();
    args_.out_min = act_.kind == ActivationKind::kRelu   ? 0.0f
                    : act_.kind == ActivationKind::kClip ? act_.alpha
                                                         : -kInf;
    args_.out_max = act_.kind == ActivationKind::kClip ? act_.beta : kInf;
    rows_ = rows != nullptr ? rows : PickRows();
    return true;
  }

  Status Run(std::span<const TensorView> inputs, const TensorView& output,
             ThreadPool* pool) override {
    const DwShape& s = shape_;
    const Shape want_in = {s.batch, s.in_h, s.in_w, s.channels};
    const Shape want_out = {s.batch, s.out_h, s.out_w, s.channels};
    if (inputs.size() != 1 || inputs[0].shape != want_in || output.shape != want_out) {
      return InvalidArgument(
          "dwconv kernel: expected NHWC input ", ShapeToString(want_in), " and output ",
          ShapeToString(want_out), ", got ",
          inputs.empty() ? std::string("no input") : ShapeToString(inputs[0].shape), " and ",
          ShapeToString(output.shape));
    }
    const float* x = inputs[0].as<float>();
    float* y = output.as<float>();
    const int64_t row_floats = s.out_w * s.channels;
    const bool post = !IsClamp(act_);
    // Enough rows per task to amortize the dispatch (~16K outputs).
    const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, row_floats));
    ParallelFor(pool, s.batch * s.out_h, grain, [&](int64_t r0, int64_t r1) {
      rows_(args_, x, y, r0, r1);
      if (post) PostActivation(act_, y + r0 * row_floats, (r1 - r0) * row_floats);
    });
    return Status::Ok();
  }

  size_t bytes() const override { return packed_.size() + zero_.size(); }

 private:
  DwShape shape_;
  Activation act_;
  AlignedBuffer packed_;
  AlignedBuffer zero_;
  DwArgs args_;
  DwRowsFn rows_ = nullptr;
};

bool IsConstantF32(const TensorView& t) { return t.dtype == DType::kF32 && t.data != nullptr; }

// Checks that the node is a depthwise conv we handle and fills its shape; false otherwise.
Result<bool> MatchDepthwise(const model::Node& node, std::span<const TensorView> inputs,
                            const TensorView& output, DwShape* s) {
  if (node.op_type != "Conv" || inputs.size() < 2) return false;
  const TensorView& x = inputs[0];
  const TensorView& w = inputs[1];
  if (x.dtype != DType::kF32 || x.rank() != 4 || !IsConstantF32(w) || w.rank() != 4) return false;
  const int64_t c = x.shape[1];
  if (node.attrs.GetInt("group", 1) != c || w.shape[0] != c || w.shape[1] != 1) return false;
  if (output.rank() != 4 || output.shape[1] != c) return false;
  if (inputs.size() > 2 && inputs[2].present() && !IsConstantF32(inputs[2])) return false;
  const int64_t kh = w.shape[2], kw = w.shape[3];
  if (kh != kw || (kh != 3 && kh != 5)) return false;
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, ResolveWindow(node, {x.shape[2], x.shape[3]},
                                                        {.default_kernel = {kh, kw}}));
  for (int d = 0; d < 2; ++d) {
    if (g.dilation[d] != 1 || (g.stride[d] != 1 && g.stride[d] != 2)) return false;
  }
  if (g.out[0] != output.shape[2] || g.out[1] != output.shape[3] || g.out[0] < 1 || g.out[1] < 1) {
    return false;
  }
  *s = DwShape{.batch = x.shape[0],
               .in_h = x.shape[2],
               .in_w = x.shape[3],
               .channels = c,
               .out_h = g.out[0],
               .out_w = g.out[1],
               .kernel_h = static_cast<int>(kh),
               .kernel_w = static_cast<int>(kw),
               .stride_h = static_cast<int>(g.stride[0]),
               .stride_w = static_cast<int>(g.stride[1]),
               .pad_top = static_cast<int>(g.pad_begin[0]),
               .pad_left = static_cast<int>(g.pad_begin[1])};
  FinishShape(s);
  return true;
}

}  // namespace

Result<std::unique_ptr<NhwcKernel>> CreateDwConvKernel(const model::Node& node,
                                                       std::span<const TensorView> inputs,
                                                       const TensorView& output, DwRowsFn rows) {
  DwShape s;
  MOTA_ASSIGN_OR_RETURN(bool match, MatchDepthwise(node, inputs, output, &s));
  if (!match) return std::unique_ptr<NhwcKernel>();
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
  auto kernel = std::make_unique<DwConvKernel>(s, act);
  const float* bias = inputs.size() > 2 && inputs[2].present() ? inputs[2].as<float>() : nullptr;
  if (!kernel->Init(inputs[1].as<float>(), bias, rows)) {
    return OutOfMemory("dwconv kernel for Conv node '", node.name, "': cannot allocate ",
                       (s.kernel_h * s.kernel_w + 1) * s.padded_channels, " packed floats");
  }
  return std::unique_ptr<NhwcKernel>(std::move(kernel));
}

namespace {

// The registered factory. Only with a vector path: the portable rows (plain loops, one pixel at
// a time) measured 2.7x slower than XNNPACK's depthwise conv on 3x3 s1 56x56x144 here (SSE2
// build, dwconv_benchmark.cc), and XNNPACK has SSE / NEON kernels for CPUs without AVX2.
Result<std::unique_ptr<NhwcKernel>> CreateDwConv(const model::Node& node,
                                                 std::span<const TensorView> inputs,
                                                 const TensorView& output) {
  if (PickRows() == DwRowsPortable) return std::unique_ptr<NhwcKernel>();
  return CreateDwConvKernel(node, inputs, output, nullptr);
}

}  // namespace

}  // namespace mota::exec::dwconv

MOTA_REGISTER_NHWC_KERNEL(dwconv, {.name = "dwconv",
                                   .priority = 100,
                                   .create = ::mota::exec::dwconv::CreateDwConv});
