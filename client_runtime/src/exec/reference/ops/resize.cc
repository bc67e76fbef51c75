// Resize (ONNX Resize-19, computed like onnx/reference/ops/op_resize.py, which generates the
// backend conformance data). Inputs: X, roi?, scales?, sizes? (exactly one of scales / sizes,
// known at prepare time). Attributes: mode (nearest, linear, cubic),
// coordinate_transformation_mode (half_pixel, half_pixel_symmetric, pytorch_half_pixel,
// align_corners, asymmetric, tf_crop_and_resize, and Resize-11's tf_half_pixel_for_nn),
// nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value, antialias, axes,
// keep_aspect_ratio_policy.
//
// N-D interpolation is separable: one 1-D pass per resized axis, each output index reading a
// few taps (source index, weight) computed once per axis. Nearest copies elements (any dtype);
// linear and cubic compute in f32.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfCropAndResize,
  kTfHalfPixelForNn
};
enum class Rounding { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
enum class Aspect { kStretch, kNotLarger, kNotSmaller };

struct ResizeAttrs {
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kHalfPixel;
  Rounding rounding = Rounding::kRoundPreferFloor;
  Aspect aspect = Aspect::kStretch;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  bool antialias = false;
  double extrapolation = 0.0;
};

// Looks `value` up in `names`; an error listing them when it is not there.
template <typename E, size_t N>
Result<E> ParseEnum(const model::Node& node, const char* attr, const std::string& value,
                    const std::pair<const char*, E> (&names)[N]) {
  std::string all;
  for (const auto& [name, e] : names) {
    if (value == name) return e;
    all += all.empty() ? name : std::string(", ") + name;
  }
  return NodeError(node, attr, " '", value, "' is not supported; expected one of ", all);
}

Result<ResizeAttrs> ReadAttrs(const model::Node& node) {
  static constexpr std::pair<const char*, Mode> kModes[] = {
      {"nearest", Mode::kNearest}, {"linear", Mode::kLinear}, {"cubic", Mode::kCubic}};
  static constexpr std::pair<const char*, Coord> kCoords[] = {
      {"half_pixel", Coord::kHalfPixel},
      {"half_pixel_symmetric", Coord::kHalfPixelSymmetric},
      {"pytorch_half_pixel", Coord::kPytorchHalfPixel},
      {"align_corners", Coord::kAlignCorners},
      {"asymmetric", Coord::kAsymmetric},
      {"tf_crop_and_resize", Coord::kTfCropAndResize},
      {"tf_half_pixel_for_nn", Coord::kTfHalfPixelForNn}};
  static constexpr std::pair<const char*, Rounding> kRoundings[] = {
      {"round_prefer_floor", Rounding::kRoundPreferFloor},
      {"round_prefer_ceil", Rounding::kRoundPreferCeil},
      {"floor", Rounding::kFloor},
      {"ceil", Rounding::kCeil}};
  static constexpr std::pair<const char*, Aspect> kAspects[] = {
      {"stretch", Aspect::kStretch},
      {"not_larger", Aspect::kNotLarger},
      {"not_smaller", Aspect::kNotSmaller}};
  const model::Attributes& at = node.attrs;
  ResizeAttrs a;
  MOTA_ASSIGN_OR_RETURN(a.mode, ParseEnum(node, "mode", at.GetString("mode", "nearest"), kModes));
  MOTA_ASSIGN_OR_RETURN(
      a.coord, ParseEnum(node, "coordinate_transformation_mode",
                         at.GetString("coordinate_transformation_mode", "half_pixel"), kCoords));
  MOTA_ASSIGN_OR_RETURN(a.rounding,
                        ParseEnum(node, "nearest_mode",
                                  at.GetString("nearest_mode", "round_prefer_floor"), kRoundings));
  MOTA_ASSIGN_OR_RETURN(a.aspect,
                        ParseEnum(node, "keep_aspect_ratio_policy",
                                  at.GetString("keep_aspect_ratio_policy", "stretch"), kAspects));
  a.cubic_a = at.GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = at.GetInt("exclude_outside", 0) != 0;
  a.antialias = at.GetInt("antialias", 0) != 0;
  a.extrapolation = at.GetFloat("extrapolation_value", 0.0f);
  if (a.antialias && a.mode == Mode::kNearest) {
    return NodeError(node, "antialias=1 applies to linear and cubic modes only, not nearest");
  }
  return a;
}

// Per dim of X: output size, scale, the real-valued output width (scale * input, which the
// coordinate formulas use even when the output size was rounded) and the roi.
struct Geometry {
  Shape out;
  std::vector<double> scale, width, roi_start, roi_end;
};

Status ApplySizes(const model::Node& node, const ResizeAttrs& a, const Shape& shape,
                  const std::vector<int64_t>& axes, const std::vector<int64_t>& sizes,
                  Geometry& g) {
  double keep = a.aspect == Aspect::kNotLarger ? HUGE_VAL : 0.0;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = axes[i];
    if (sizes[i] < 0 || (shape[d] == 0 && sizes[i] != 0)) {
      return NodeError(node, "sizes ", ShapeToString(sizes), " cannot resize axis ", d, " of size ",
                       shape[d], " to ", sizes[i]);
    }
    const double s =
        shape[d] == 0 ? 1.0 : static_cast<double>(sizes[i]) / static_cast<double>(shape[d]);
    keep = a.aspect == Aspect::kNotLarger ? std::min(keep, s) : std::max(keep, s);
    g.scale[d] = s;
    g.width[d] = static_cast<double>(sizes[i]);
    g.out[d] = sizes[i];
  }
  if (a.aspect == Aspect::kStretch) return Status::Ok();
  for (int64_t d : axes) {
    g.scale[d] = keep;
    g.width[d] = keep * static_cast<double>(shape[d]);
    g.out[d] = static_cast<int64_t>(g.width[d] + 0.5);  // round half up, as the reference
  }
  return Status::Ok();
}

Status ApplyScales(const model::Node& node, const Shape& shape, const std::vector<int64_t>& axes,
                   const std::vector<double>& scales, Geometry& g) {
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = axes[i];
    const double width = scales[i] * static_cast<double>(shape[d]);
    if (!(scales[i] > 0) || !(width < 9.0e15)) {
      return NodeError(node, "scale ", scales[i], " for axis ", d,
                       " must be > 0 and give a finite size");
    }
    g.scale[d] = scales[i];
    g.width[d] = width;
    g.out[d] = static_cast<int64_t>(std::floor(width));
  }
  return Status::Ok();
}

Result<Geometry> ResolveGeometry(const model::Node& node, std::span<const TensorView> inputs,
                                 const ResizeAttrs& a) {
  const Shape& shape = inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> axes = node.attrs.GetInts("axes");
  if (!node.attrs.Has("axes")) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  MOTA_ASSIGN_OR_RETURN(axes, NormalizeAxisList(node, axes, rank));
  Geometry g{shape,
             std::vector<double>(shape.size(), 1.0),
             {},
             std::vector<double>(shape.size(), 0.0),
             std::vector<double>(shape.size(), 1.0)};
  for (int64_t d : shape) g.width.push_back(static_cast<double>(d));
  const bool has_scales = HasNonEmptyInput(inputs, 2);
  const bool has_sizes = HasNonEmptyInput(inputs, 3);
  if (has_scales == has_sizes) {
    return NodeError(node,
                     "exactly one of scales (input 2) and sizes (input 3) must be given; got ",
                     has_scales ? "both" : "neither");
  }
  const size_t want = axes.size();
  if (has_scales) {
    MOTA_ASSIGN_OR_RETURN(std::vector<double> scales, KnownDoubleValues(node, inputs, 2, "scales"));
    if (scales.size() != want) {
      return NodeError(node, "scales has ", scales.size(), " values but ", want,
                       " axes are resized");
    }
    MOTA_RETURN_IF_ERROR(ApplyScales(node, shape, axes, scales, g));
  } else {
    MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, KnownIntValues(node, inputs, 3, "sizes"));
    if (sizes.size() != want) {
      return NodeError(node, "sizes ", ShapeToString(sizes), " has ", sizes.size(), " values but ",
                       want, " axes are resized");
    }
    MOTA_RETURN_IF_ERROR(ApplySizes(node, a, shape, axes, sizes, g));
  }
  if (a.coord == Coord::kTfCropAndResize) {
    if (!HasNonEmptyInput(inputs, 1))
      return NodeError(node, "tf_crop_and_resize needs the roi input");
    MOTA_ASSIGN_OR_RETURN(std::vector<double> roi, KnownDoubleValues(node, inputs, 1, "roi"));
    if (roi.size() != 2 * want) {
      return NodeError(node, "roi has ", roi.size(), " values; expected ", 2 * want,
                       " (starts, then ends)");
    }
    for (size_t i = 0; i < want; ++i) {
      g.roi_start[axes[i]] = roi[i];
      g.roi_end[axes[i]] = roi[want + i];
    }
  }
  return g;
}

// Source coordinate of output index o on dim d (the ONNX coordinate_transformation_mode
// formulas). Sets *outside for tf_crop_and_resize points outside the input.
double SourceCoordinate(const ResizeAttrs& a, const Geometry& g, size_t d, int64_t o, int64_t in,
                        bool* outside) {
  const double x = static_cast<double>(o);
  const double scale = g.scale[d];
  const double width = g.width[d];
  const double last = static_cast<double>(in - 1);
  switch (a.coord) {
    case Coord::kHalfPixel:
      return (x + 0.5) / scale - 0.5;
    case Coord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(g.out[d]) / width;
      const double center = static_cast<double>(in) / 2;
      return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case Coord::kPytorchHalfPixel:
      return width == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case Coord::kAlignCorners:
      return width == 1 ? 0.0 : x * last / (width - 1);
    case Coord::kAsymmetric:
      return x / scale;
    case Coord::kTfHalfPixelForNn:  // Resize-11 only
      return (x + 0.5) / scale;
    case Coord::kTfCropAndResize: {
      const double span = g.roi_end[d] - g.roi_start[d];
      double xo = width == 1 ? span * last / 2 : x * span * last / (width - 1);
      xo += g.roi_start[d] * last;
      *outside = xo < 0 || xo > last;
      return xo;
    }
  }
  return x;
}

// The resampling of one axis: for output index o, taps n*o .. n*o+n-1.
struct AxisTaps {
  int64_t n = 1;
  std::vector<int64_t> index;  // source index, clamped into the input (edge padding)
  std::vector<float> weight;
  std::vector<uint8_t> outside;  // 1: write extrapolation_value
};

double CubicKernel(double x, double A) {
  x = std::fabs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0.0;
}

// Weights for taps x_int + first .. x_int + first + n - 1, where x = x_int + ratio, ratio in (0,
// 1].
void TapWeights(const ResizeAttrs& a, double ratio, double scale, int64_t first,
                std::vector<double>& w) {
  const double A = a.cubic_a;
  const double r = ratio;
  if (a.mode == Mode::kNearest) {
    bool upper = true;  // an integral coordinate (ratio 1) takes x_int + 1 == x
    if (r != 1.0) {
      switch (a.rounding) {
        case Rounding::kRoundPreferFloor:
          upper = r > 0.5;
          break;
        case Rounding::kRoundPreferCeil:
          upper = r >= 0.5;
          break;
        case Rounding::kFloor:
          upper = false;
          break;
        case Rounding::kCeil:
          upper = true;
          break;
      }
    }
    w = {upper ? 0.0 : 1.0, upper ? 1.0 : 0.0};
  } else if (!a.antialias && a.mode == Mode::kLinear) {
    w = {1 - r, r};
  } else if (!a.antialias) {  // cubic, the reference's exact expressions
    w = {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
         ((A + 2) * r - (A + 3)) * r * r + 1, ((A + 2) * (1 - r) - (A + 3)) * (1 - r) * (1 - r) + 1,
         ((A * ((1 - r) + 1) - 5 * A) * ((1 - r) + 1) + 8 * A) * ((1 - r) + 1) - 4 * A};
  } else {  // antialias: the kernel stretched by 1/scale when downscaling, normalized
    const double s = std::min(scale, 1.0);
    double sum = 0;
    for (size_t k = 0; k < w.size(); ++k) {
      const double arg = (static_cast<double>(first + static_cast<int64_t>(k)) - r) * s;
      w[k] =
          a.mode == Mode::kLinear ? std::clamp(1 - std::fabs(arg), 0.0, 1.0) : CubicKernel(arg, A);
      sum += w[k];
    }
    for (double& v : w) v /= sum;
  }
}

AxisTaps BuildTaps(const ResizeAttrs& a, const Geometry& g, size_t d, int64_t in) {
  const double s = std::min(g.scale[d], 1.0);
  int64_t first = 0, n = 2;  // tap offsets relative to x_int
  if (a.mode == Mode::kCubic)
    first = a.antialias ? static_cast<int64_t>(std::floor(-2 / s)) + 1 : -1;
  if (a.mode == Mode::kLinear && a.antialias) first = static_cast<int64_t>(std::floor(-1 / s)) + 1;
  if (a.mode != Mode::kNearest) n = 2 - 2 * first;
  const int64_t out = g.out[d];
  AxisTaps t;
  t.n = a.mode == Mode::kNearest ? 1 : n;
  t.index.assign(static_cast<size_t>(out * t.n), 0);
  t.weight.assign(static_cast<size_t>(out * t.n), 0.0f);
  t.outside.assign(static_cast<size_t>(out), 0);
  std::vector<double> w(static_cast<size_t>(n));
  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double x = SourceCoordinate(a, g, d, o, in, &outside);
    if (outside) {
      t.outside[o] = 1;
      continue;
    }
    // The reference takes the neighbours of x preferring the left one, so ratio is in (0, 1].
    const double x_floor = std::ceil(x) - 1;
    const int64_t x_int = static_cast<int64_t>(x_floor);
    TapWeights(a, x - x_floor, g.scale[d], first, w);
    if (a.exclude_outside) {
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        const int64_t i = x_int + first + k;
        if (i < 0 || i >= in) w[k] = 0;
        sum += w[k];
      }
      if (sum != 0) {
        for (double& v : w) v /= sum;
      }
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = std::clamp<int64_t>(x_int + first + k, 0, in - 1);
      if (a.mode == Mode::kNearest) {
        if (w[k] != 0) t.index[o] = i;
        continue;
      }
      t.index[o * n + k] = i;
      t.weight[o * n + k] = static_cast<float>(w[k]);
    }
  }
  return t;
}

// One linear/cubic pass over an [outer, in, inner] float tensor into [outer, out, inner].
// The innermost axis (inner == 1) sums each output's taps in a register instead.
void InterpolatePass(const float* src, float* dst, int64_t outer, int64_t in, int64_t inner,
                     const AxisTaps& t, float fill) {
  const int64_t out = static_cast<int64_t>(t.outside.size());
  if (inner == 1) {
    for (int64_t b = 0; b < outer; ++b, src += in, dst += out) {
      for (int64_t o = 0; o < out; ++o) {
        const int64_t* index = &t.index[o * t.n];
        const float* weight = &t.weight[o * t.n];
        float acc = 0.0f;
        for (int64_t k = 0; k < t.n; ++k) acc += weight[k] * src[index[k]];
        dst[o] = t.outside[o] ? fill : acc;
      }
    }
    return;
  }
  for (int64_t b = 0; b < outer; ++b) {
    const float* block = src + b * in * inner;
    for (int64_t o = 0; o < out; ++o) {
      float* row = dst + (b * out + o) * inner;
      if (t.outside[o]) {
        std::fill_n(row, inner, fill);
        continue;
      }
      std::fill_n(row, inner, 0.0f);
      for (int64_t k = 0; k < t.n; ++k) {
        const float w = t.weight[o * t.n + k];
        const float* s = block + t.index[o * t.n + k] * inner;
        for (int64_t j = 0; j < inner; ++j) row[j] += w * s[j];
      }
    }
  }
}

// One nearest pass: every output row copies one input row.
template <typename T>
void NearestPass(const T* src, T* dst, int64_t outer, int64_t in, int64_t inner, const AxisTaps& t,
                 T fill) {
  const int64_t out = static_cast<int64_t>(t.outside.size());
  for (int64_t b = 0; b < outer; ++b) {
    const T* block = src + b * in * inner;
    T* rows = dst + b * out * inner;
    for (int64_t o = 0; o < out; ++o) {
      if (t.outside[o]) {
        std::fill_n(rows + o * inner, inner, fill);
      } else if (inner == 1) {
        rows[o] = block[t.index[o]];
      } else {
        std::memcpy(rows + o * inner, block + t.index[o] * inner,
                    static_cast<size_t>(inner) * sizeof(T));
      }
    }
  }
}

// extrapolation_value in the bit pattern of `dtype`, as the T of the byte-size dispatch.
template <typename T>
T FillBits(DType dtype, double v) {
  uint64_t bits = 0;
  switch (dtype) {
    case DType::kF32: {
      const float f = static_cast<float>(v);
      std::memcpy(&bits, &f, 4);
      break;
    }
    case DType::kF16:
      bits = FloatToHalf(static_cast<float>(v));
      break;
    case DType::kI8:
      bits = static_cast<uint8_t>(static_cast<int8_t>(v));
      break;
    case DType::kI32:
      bits = static_cast<uint32_t>(static_cast<int32_t>(v));
      break;
    case DType::kI64:
      bits = static_cast<uint64_t>(static_cast<int64_t>(v));
      break;
    case DType::kBool:
      bits = v != 0;
      break;
    default:
      bits = static_cast<uint64_t>(v);
      break;
  }
  T value;
  std::memcpy(&value, &bits, sizeof(T));
  return value;
}

// Runs one pass per resized axis (innermost first), ping-ponging between two scratch buffers
// and writing the last pass straight into the output.
template <typename T, typename Pass>
void RunPasses(const TensorView& in, const TensorView& out, const std::vector<size_t>& dims,
               const std::vector<AxisTaps>& taps, Pass&& pass) {
  std::vector<T> scratch[2];
  Shape cur = in.shape;
  const T* src = in.as<T>();
  for (size_t k = 0; k < dims.size(); ++k) {
    const size_t d = dims[k];
    int64_t outer = 1, inner = 1;
    for (size_t j = 0; j < d; ++j) outer *= cur[j];
    for (size_t j = d + 1; j < cur.size(); ++j) inner *= cur[j];
    const int64_t in_n = cur[d];
    cur[d] = out.shape[d];
    T* dst = out.as<T>();
    if (k + 1 < dims.size()) {
      scratch[k % 2].resize(static_cast<size_t>(NumElements(cur)));
      dst = scratch[k % 2].data();
    }
    pass(src, dst, outer, in_n, inner, taps[k]);
    src = dst;
  }
}

Status InferResize(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(ResizeAttrs a, ReadAttrs(ctx.node));
  if (a.mode != Mode::kNearest && x.dtype != DType::kF32) {
    return ctx.Error("linear and cubic modes need f32 data, got ", DTypeName(x.dtype));
  }
  MOTA_ASSIGN_OR_RETURN(Geometry g, ResolveGeometry(ctx.node, ctx.inputs, a));
  ctx.outputs[0] = {x.dtype, g.out, nullptr};
  return Status::Ok();
}

Status ComputeResize(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  MOTA_ASSIGN_OR_RETURN(ResizeAttrs a, ReadAttrs(ctx.node));
  MOTA_ASSIGN_OR_RETURN(Geometry g, ResolveGeometry(ctx.node, ctx.inputs, a));
  if (out.numel() == 0) return Status::Ok();
  std::vector<size_t> dims;
  std::vector<AxisTaps> taps;
  for (size_t d = in.shape.size(); d-- > 0;) {
    // An axis with scale 1 maps every index onto itself in every mode but tf_crop_and_resize.
    const bool identity =
        g.out[d] == in.shape[d] && g.scale[d] == 1.0 && a.coord != Coord::kTfCropAndResize;
    if (identity) continue;
    dims.push_back(d);
    taps.push_back(BuildTaps(a, g, d, in.shape[d]));
  }
  if (dims.empty()) return ComputeCopyInput0(ctx);
  if (a.mode != Mode::kNearest) {
    const float fill = static_cast<float>(a.extrapolation);
    RunPasses<float>(in, out, dims, taps,
                     [&](const float* s, float* d, int64_t o, int64_t n, int64_t i,
                         const AxisTaps& t) { InterpolatePass(s, d, o, n, i, t, fill); });
    return Status::Ok();
  }
  return MOTA_DISPATCH_BY_SIZE(in.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T fill = FillBits<T>(in.dtype, a.extrapolation);
    RunPasses<T>(in, out, dims, taps,
                 [&](const T* s, T* d, int64_t o, int64_t n, int64_t i, const AxisTaps& t) {
                   NearestPass<T>(s, d, o, n, i, t, fill);
                 });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(Resize, {"Resize", 1, 4, 1, 1, InferResize, ComputeResize});

}  // namespace mota::exec
