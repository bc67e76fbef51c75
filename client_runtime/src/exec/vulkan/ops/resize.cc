// Resize (f32, rank <= 6; ONNX Resize-19 as exec/reference/ops/resize.cc computes it): modes
// nearest (every nearest_mode), linear and cubic (cubic_coeff_a, exclude_outside); every
// coordinate_transformation_mode the reference backend supports (half_pixel,
// half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize with
// extrapolation_value, tf_half_pixel_for_nn); axes and keep_aspect_ratio_policy. scales, sizes
// and roi must be known at prepare time. Antialiasing stays on the CPU.
//
// The taps of each resized axis (source index and weight per output index) are computed here
// with the reference's formulas, in double, and uploaded once as a table; resize.comp does the
// gather and the weighted sum.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr size_t kMaxRank = 6;
constexpr uint32_t kNotResized = 0xffffffffu;

struct Push {
  uint32_t total;
  uint32_t out_dims[kMaxRank];
  uint32_t in_strides[kMaxRank];
  uint32_t table[kMaxRank];
  float fill;
};

enum class Mode { kNearest, kLinear, kCubic };

struct Attrs {
  Mode mode = Mode::kNearest;
  std::string coord, rounding, aspect;
  double cubic_a = -0.75, fill = 0;
  bool exclude_outside = false;
};

// Per data dim: scale, the real-valued output width, roi.
struct Geometry {
  std::vector<double> scale, width, roi_start, roi_end;
  std::vector<bool> resized;
};

bool OneOf(const std::string& v, std::initializer_list<const char*> names) {
  return std::any_of(names.begin(), names.end(), [&](const char* n) { return v == n; });
}

Result<Attrs> ReadAttrs(const OpContext& ctx) {
  const model::Attributes& at = ctx.attrs();
  Attrs a;
  const std::string mode = at.GetString("mode", "nearest");
  if (!OneOf(mode, {"nearest", "linear", "cubic"})) {
    return ctx.Error("mode '", mode, "' is not supported; expected nearest, linear or cubic");
  }
  a.mode = mode == "nearest" ? Mode::kNearest : mode == "linear" ? Mode::kLinear : Mode::kCubic;
  a.coord = at.GetString("coordinate_transformation_mode", "half_pixel");
  if (!OneOf(a.coord, {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                       "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn"})) {
    return ctx.Unsupported("coordinate_transformation_mode '", a.coord, "'");
  }
  a.rounding = at.GetString("nearest_mode", "round_prefer_floor");
  if (!OneOf(a.rounding, {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})) {
    return ctx.Unsupported("nearest_mode '", a.rounding, "'");
  }
  a.aspect = at.GetString("keep_aspect_ratio_policy", "stretch");
  if (!OneOf(a.aspect, {"stretch", "not_larger", "not_smaller"})) {
    return ctx.Unsupported("keep_aspect_ratio_policy '", a.aspect, "'");
  }
  if (at.GetInt("antialias", 0) != 0) return ctx.Unsupported("antialias=1");
  a.cubic_a = at.GetFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = at.GetInt("exclude_outside", 0) != 0;
  a.fill = at.GetFloat("extrapolation_value", 0.0f);
  return a;
}

bool NonEmpty(const OpContext& ctx, size_t i) {
  return ctx.has_input(i) && ctx.inputs[i].numel() > 0;
}

std::vector<double> Values(const GpuTensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype) {
      case DType::kF32:
        v.push_back(static_cast<const float*>(t.host)[i]);
        break;
      case DType::kI64:
        v.push_back(static_cast<double>(static_cast<const int64_t*>(t.host)[i]));
        break;
      case DType::kI32:
        v.push_back(static_cast<const int32_t*>(t.host)[i]);
        break;
      default:
        break;
    }
  }
  return v;
}

Result<std::vector<int64_t>> Axes(const OpContext& ctx) {
  const int64_t rank = static_cast<int64_t>(ctx.inputs[0].shape.size());
  std::vector<int64_t> axes = ctx.attrs().GetInts("axes");
  if (!ctx.attrs().Has("axes")) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  for (int64_t& d : axes) {
    if (d < -rank || d >= rank) return ctx.Error("axis ", d, " is out of range for rank ", rank);
    if (d < 0) d += rank;
  }
  return axes;
}

// Scales, widths and roi, as the reference's ResolveGeometry (the planned output shape holds the
// output sizes).
Result<Geometry> ResolveGeometry(const OpContext& ctx, const Attrs& a) {
  const Shape& in = ctx.inputs[0].shape;
  const Shape& out = ctx.outputs[0].shape;
  MOTA_ASSIGN_OR_RETURN(const std::vector<int64_t> axes, Axes(ctx));
  const size_t n = in.size();
  Geometry g{std::vector<double>(n, 1.0),
             {},
             std::vector<double>(n, 0.0),
             std::vector<double>(n, 1.0),
             std::vector<bool>(n, false)};
  for (int64_t d : in) g.width.push_back(static_cast<double>(d));
  const bool has_scales = NonEmpty(ctx, 2);
  if (has_scales == NonEmpty(ctx, 3)) {
    return ctx.Error("exactly one of scales (input 2) and sizes (input 3) must be given");
  }
  const std::vector<double> v = Values(ctx.inputs[has_scales ? 2 : 3]);
  if (v.size() != axes.size()) {
    return ctx.Error(has_scales ? "scales" : "sizes", " has ", v.size(), " values but ",
                     axes.size(), " axes are resized");
  }
  double keep = a.aspect == "not_larger" ? HUGE_VAL : 0.0;
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = axes[i];
    const double dim = static_cast<double>(in[d]);
    g.scale[d] = has_scales ? v[i] : v[i] / dim;
    g.width[d] = has_scales ? v[i] * dim : v[i];
    keep = a.aspect == "not_larger" ? std::min(keep, g.scale[d]) : std::max(keep, g.scale[d]);
  }
  if (!has_scales && a.aspect != "stretch") {
    for (int64_t d : axes) {
      g.scale[d] = keep;
      g.width[d] = keep * static_cast<double>(in[d]);
    }
  }
  if (a.coord == "tf_crop_and_resize") {
    if (!NonEmpty(ctx, 1)) return ctx.Error("tf_crop_and_resize needs the roi input");
    const std::vector<double> roi = Values(ctx.inputs[1]);
    if (roi.size() != 2 * axes.size()) {
      return ctx.Error("roi has ", roi.size(), " values; expected ", 2 * axes.size());
    }
    for (size_t i = 0; i < axes.size(); ++i) {
      g.roi_start[axes[i]] = roi[i];
      g.roi_end[axes[i]] = roi[axes.size() + i];
    }
  }
  for (int64_t d : axes) {
    g.resized[d] = !(out[d] == in[d] && g.scale[d] == 1.0 && a.coord != "tf_crop_and_resize");
  }
  return g;
}

// The reference's coordinate_transformation_mode formulas.
double SourceCoordinate(const Attrs& a, const Geometry& g, int64_t out, size_t d, int64_t o,
                        int64_t in, bool* outside) {
  const double x = static_cast<double>(o), scale = g.scale[d], width = g.width[d];
  const double last = static_cast<double>(in - 1);
  if (a.coord == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (a.coord == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / width;
    return static_cast<double>(in) / 2 * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  }
  if (a.coord == "pytorch_half_pixel") return width == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (a.coord == "align_corners") return width == 1 ? 0.0 : x * last / (width - 1);
  if (a.coord == "asymmetric") return x / scale;
  if (a.coord == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  const double span = g.roi_end[d] - g.roi_start[d];  // tf_crop_and_resize
  double xo = width == 1 ? span * last / 2 : x * span * last / (width - 1);
  xo += g.roi_start[d] * last;
  *outside = xo < 0 || xo > last;
  return xo;
}

// Weights of taps x_int + first .. for ratio r = x - x_floor in (0, 1] (reference TapWeights,
// without antialias).
std::vector<double> TapWeights(const Attrs& a, double r) {
  const double A = a.cubic_a;
  if (a.mode == Mode::kNearest) {
    bool upper = true;
    if (r != 1.0) {
      upper = a.rounding == "round_prefer_floor"  ? r > 0.5
              : a.rounding == "round_prefer_ceil" ? r >= 0.5
                                                  : a.rounding == "ceil";
    }
    return {upper ? 0.0 : 1.0, upper ? 1.0 : 0.0};
  }
  if (a.mode == Mode::kLinear) return {1 - r, r};
  const double s = 1 - r;
  return {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
          ((A + 2) * r - (A + 3)) * r * r + 1, ((A + 2) * s - (A + 3)) * s * s + 1,
          ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A};
}

// The taps of dim d, appended to `table` as (index, weight bits); ntaps per output index.
void AppendTaps(const Attrs& a, const Geometry& g, size_t d, int64_t in, int64_t out,
                uint32_t ntaps, std::vector<int32_t>* table) {
  const int64_t first = a.mode == Mode::kCubic ? -1 : 0;
  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double x = SourceCoordinate(a, g, out, d, o, in, &outside);
    std::vector<int32_t> idx(ntaps, outside ? -1 : 0);
    std::vector<float> wts(ntaps, 0.0f);
    if (!outside) {
      const double x_floor = std::ceil(x) - 1;
      const int64_t x_int = static_cast<int64_t>(x_floor);
      std::vector<double> w = TapWeights(a, x - x_floor);
      if (a.exclude_outside) {
        double sum = 0;
        for (size_t k = 0; k < w.size(); ++k) {
          const int64_t i = x_int + first + static_cast<int64_t>(k);
          if (i < 0 || i >= in) w[k] = 0;
          sum += w[k];
        }
        if (sum != 0) {
          for (double& v : w) v /= sum;
        }
      }
      for (size_t k = 0; k < w.size(); ++k) {
        const int32_t i = static_cast<int32_t>(
            std::clamp<int64_t>(x_int + first + static_cast<int64_t>(k), 0, in - 1));
        if (a.mode == Mode::kNearest) {
          if (w[k] != 0) idx[0] = i;  // the reference's choice, also when both weights are 0
          wts[0] = 1.0f;
          continue;
        }
        idx[k] = i;
        wts[k] = static_cast<float>(w[k]);
      }
    }
    for (uint32_t k = 0; k < ntaps; ++k) {
      int32_t bits;
      std::memcpy(&bits, &wts[k], sizeof(bits));
      table->push_back(idx[k]);
      table->push_back(bits);
    }
  }
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, 1));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (ctx.inputs[0].shape.size() > kMaxRank) return ctx.Unsupported("rank above ", kMaxRank);
  for (size_t i = 1; i < 4; ++i) {
    if (NonEmpty(ctx, i) && ctx.inputs[i].host == nullptr) {
      return ctx.Unsupported("input ", i, " is not known at prepare time");
    }
  }
  MOTA_ASSIGN_OR_RETURN(const Attrs a, ReadAttrs(ctx));
  return ResolveGeometry(ctx, a).status();
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(const Attrs a, ReadAttrs(b));
  MOTA_ASSIGN_OR_RETURN(const Geometry g, ResolveGeometry(b, a));
  const Shape& in = b.inputs[0].shape;
  const Shape& out = b.outputs[0].shape;
  const uint32_t ntaps = a.mode == Mode::kNearest ? 1 : a.mode == Mode::kLinear ? 2 : 4;
  Push p{};
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  p.fill = static_cast<float>(a.fill);
  std::vector<int32_t> table;
  const size_t lead = kMaxRank - in.size();
  uint32_t stride = 1;
  for (size_t d = kMaxRank; d-- > 0;) {
    p.table[d] = kNotResized;
    p.out_dims[d] = d < lead ? 1 : static_cast<uint32_t>(out[d - lead]);
    if (d < lead) continue;
    const size_t xd = d - lead;
    p.in_strides[d] = stride;
    stride *= static_cast<uint32_t>(in[xd]);
    if (!g.resized[xd]) continue;
    p.table[d] = static_cast<uint32_t>(table.size() / 2);
    AppendTaps(a, g, xd, in[xd], out[xd], ntaps, &table);
  }
  if (table.empty()) table.assign(2, 0);  // nothing resized: a copy; bind a valid table
  const Region taps = b.AddWeights(
      {reinterpret_cast<const uint8_t*>(table.data()), table.size() * sizeof(int32_t)});
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("resize", {b.tuning.elementwise_wg, ntaps, a.mode == Mode::kNearest ? 1u : 0u}, p,
        {b.Input(0), taps}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Resize, {"Resize", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
