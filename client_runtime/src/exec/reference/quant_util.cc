#include "exec/reference/quant_util.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <span>
#include <string>

#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

bool IsQuantDType(DType d) { return d == DType::kI8 || d == DType::kU8 || d == DType::kI32; }

Status CheckScaleView(const TensorView& scale, const model::Node& node, int input,
                      int64_t channels) {
  const auto where = [&] {
    return std::string(node.op_type) + " node '" + node.name + "': input " + std::to_string(input) +
           " (scale)";
  };
  if (scale.dtype != DType::kF32)
    return InvalidArgument(where(), " has dtype ", DTypeName(scale.dtype), "; expected f32");
  if (scale.rank() > 1)
    return InvalidArgument(where(), " has shape ", ShapeToString(scale.shape),
                           "; expected a scalar or a 1-D tensor");
  const int64_t n = scale.numel();
  if (n != 1 && n != channels)
    return InvalidArgument(
        where(), " has ", n, " values; expected 1",
        channels > 1 ? " or " + std::to_string(channels) + " (one per channel)" : std::string());
  return Status::Ok();
}

Status CheckZeroPointView(const TensorView& zp, const TensorView& scale, const model::Node& node,
                          int input) {
  const auto where = [&] {
    return std::string(node.op_type) + " node '" + node.name + "': input " + std::to_string(input) +
           " (zero point)";
  };
  if (!IsQuantDType(zp.dtype))
    return InvalidArgument(where(), " has dtype ", DTypeName(zp.dtype), "; expected i8, u8 or i32");
  if (zp.numel() != scale.numel())
    return InvalidArgument(where(), " has ", zp.numel(), " values but the scale has ",
                           scale.numel(), "; expected the same count");
  return Status::Ok();
}

}  // namespace

Status CheckQuantOperand(const InferContext& ctx, int scale_input, int zp_input, int64_t channels) {
  if (!ctx.has_input(scale_input)) return ctx.Error("input ", scale_input, " (scale) is missing");
  MOTA_RETURN_IF_ERROR(CheckScaleView(ctx.inputs[scale_input], ctx.node, scale_input, channels));
  if (zp_input >= 0 && ctx.has_input(zp_input))
    MOTA_RETURN_IF_ERROR(
        CheckZeroPointView(ctx.inputs[zp_input], ctx.inputs[scale_input], ctx.node, zp_input));
  return Status::Ok();
}

Result<QuantOperand> ReadQuantOperand(const KernelContext& ctx, int scale_input, int zp_input,
                                      int64_t channels) {
  if (!ctx.has_input(scale_input)) return ctx.Error("input ", scale_input, " (scale) is missing");
  const TensorView& scale = ctx.inputs[scale_input];
  MOTA_RETURN_IF_ERROR(CheckScaleView(scale, ctx.node, scale_input, channels));
  QuantOperand q;
  q.scales.assign(scale.as<const float>(), scale.as<const float>() + scale.numel());
  for (float s : q.scales)
    if (!(s > 0) || !std::isfinite(s))
      return ctx.Error("input ", scale_input, " (scale) holds ", s,
                       "; expected a finite value > 0");
  if (zp_input >= 0 && ctx.has_input(zp_input)) {
    const TensorView& zp = ctx.inputs[zp_input];
    MOTA_RETURN_IF_ERROR(CheckZeroPointView(zp, scale, ctx.node, zp_input));
    q.dtype = zp.dtype;
    for (int64_t i = 0; i < zp.numel(); ++i) q.zero_points.push_back(ReadQuantElement(zp, i));
  } else {
    q.dtype = DType::kU8;
    q.zero_points.assign(q.scales.size(), 0);
  }
  return q;
}

int64_t QuantMin(DType dtype) {
  switch (dtype) {
    case DType::kI8:
      return -128;
    case DType::kU8:
      return 0;
    case DType::kI32:
      return std::numeric_limits<int32_t>::min();
    default:
      return 0;
  }
}

int64_t QuantMax(DType dtype) {
  switch (dtype) {
    case DType::kI8:
      return 127;
    case DType::kU8:
      return 255;
    case DType::kI32:
      return std::numeric_limits<int32_t>::max();
    default:
      return 0;
  }
}

int32_t ReadQuantElement(const TensorView& t, int64_t i) {
  switch (t.dtype) {
    case DType::kI8:
      return t.as<const int8_t>()[i];
    case DType::kU8:
      return t.as<const uint8_t>()[i];
    case DType::kI32:
      return t.as<const int32_t>()[i];
    default:
      return 0;
  }
}

void WriteQuantElement(const TensorView& t, int64_t i, int32_t value) {
  switch (t.dtype) {
    case DType::kI8:
      t.as<int8_t>()[i] = static_cast<int8_t>(value);
      break;
    case DType::kU8:
      t.as<uint8_t>()[i] = static_cast<uint8_t>(value);
      break;
    case DType::kI32:
      t.as<int32_t>()[i] = value;
      break;
    default:
      break;
  }
}

namespace {

// Shared by the shape-time and run-time checks: both contexts carry the node and the inputs.
Status CheckTensorQuantViews(const model::Node& node, std::span<const TensorView> inputs,
                             int scale_input, int zp_input, std::string_view name, DType dtype) {
  const auto where = [&](int input, std::string_view suffix) {
    return std::string(node.op_type) + " node '" + node.name + "': input " +
           std::to_string(input) + " (" + std::string(name) + std::string(suffix) + ")";
  };
  const bool has_scale =
      scale_input < static_cast<int>(inputs.size()) && inputs[scale_input].present();
  if (!has_scale)
    return InvalidArgument(where(scale_input, "_scale"), " is missing; it is required");
  const TensorView& scale = inputs[scale_input];
  if (scale.dtype != DType::kF32)
    return InvalidArgument(where(scale_input, "_scale"), " has dtype ", DTypeName(scale.dtype),
                           "; expected f32");
  if (scale.numel() != 1 || scale.rank() > 1)
    return InvalidArgument(where(scale_input, "_scale"), " has ", scale.numel(),
                           " values (shape ", ShapeToString(scale.shape),
                           "); expected 1: ", node.op_type, " takes per-tensor parameters only");
  if (scale.data != nullptr) {
    const float s = *scale.as<const float>();
    if (!(s > 0) || !std::isfinite(s))
      return InvalidArgument(where(scale_input, "_scale"), " holds ", s,
                             "; expected a finite value > 0");
  }
  if (zp_input < 0 || zp_input >= static_cast<int>(inputs.size()) || !inputs[zp_input].present())
    return Status::Ok();
  const TensorView& zp = inputs[zp_input];
  if (zp.dtype != dtype)
    return InvalidArgument(where(zp_input, "_zero_point"), " has dtype ", DTypeName(zp.dtype),
                           "; expected ", DTypeName(dtype), " (the dtype of ", name, ")");
  if (zp.numel() != 1 || zp.rank() > 1)
    return InvalidArgument(where(zp_input, "_zero_point"), " has ", zp.numel(), " values (shape ",
                           ShapeToString(zp.shape), "); expected 1: ", node.op_type,
                           " takes per-tensor parameters only");
  return Status::Ok();
}

}  // namespace

Status CheckInt8Operand(const InferContext& ctx, int input, std::string_view name) {
  if (!ctx.has_input(input)) return ctx.Error("input ", input, " (", name, ") is missing");
  const DType d = ctx.inputs[input].dtype;
  if (d != DType::kI8 && d != DType::kU8)
    return ctx.Error("input ", input, " (", name, ") has dtype ", DTypeName(d),
                     "; expected i8 or u8");
  return Status::Ok();
}

Status CheckTensorQuant(const InferContext& ctx, int scale_input, int zp_input,
                        std::string_view name, DType dtype) {
  return CheckTensorQuantViews(ctx.node, ctx.inputs, scale_input, zp_input, name, dtype);
}

Result<TensorQuant> ReadTensorQuant(const KernelContext& ctx, int scale_input, int zp_input,
                                    std::string_view name, DType dtype) {
  MOTA_RETURN_IF_ERROR(
      CheckTensorQuantViews(ctx.node, ctx.inputs, scale_input, zp_input, name, dtype));
  TensorQuant q;
  q.scale = *ctx.inputs[scale_input].as<const float>();
  if (zp_input >= 0 && ctx.has_input(zp_input))
    q.zero_point = ReadQuantElement(ctx.inputs[zp_input], 0);
  return q;
}

// ---- Integer cores of the ONNX quantized ops ----

namespace {

// Checks one zero-point view of an op without scales; shared by the infer and compute halves.
Status CheckZeroPointsView(const model::Node& node, const TensorView& zp, int input,
                           std::string_view name, DType dtype, int64_t channels) {
  const auto where = [&] {
    return std::string(node.op_type) + " node '" + node.name + "': input " + std::to_string(input) +
           " (" + std::string(name) + ")";
  };
  if (zp.dtype != dtype)
    return InvalidArgument(where(), " has dtype ", DTypeName(zp.dtype), "; expected ",
                           DTypeName(dtype), ", the dtype of the operand it belongs to");
  if (zp.rank() > 1 || (zp.numel() != 1 && zp.numel() != channels))
    return InvalidArgument(
        where(), " has shape ", ShapeToString(zp.shape), "; expected a scalar or 1-D of 1",
        channels > 1 ? " or " + std::to_string(channels) + " values (one per channel)"
                     : std::string(" value"));
  return Status::Ok();
}

// The im2col element of the integer conv: x - x_zp as int16 (padding becomes 0 = the zero point).
auto ToCentered16(int32_t x_zp) {
  return [x_zp](auto v) { return static_cast<int16_t>(static_cast<int32_t>(v) - x_zp); };
}

bool IsInt8DType(DType d) { return d == DType::kI8 || d == DType::kU8; }

// The largest reduction length whose sum of 8-bit products (each |.| <= 255 * 255) fits int32.
constexpr int64_t kMaxInt32Reduction = std::numeric_limits<int32_t>::max() / (255 * 255);

// out[j] (j < n) = sum_p a[p] * b[p * ldb + j], accumulated in Acc and widened to int64.
template <typename Acc>
void IntDotRow(const int16_t* a, const int16_t* b, int64_t k, int64_t n, int64_t ldb, Acc* row,
               int64_t* out) {
  std::fill(row, row + n, Acc{0});
  for (int64_t p = 0; p < k; ++p) {
    const Acc av = a[p];
    if (av == 0) continue;
    const int16_t* bp = b + p * ldb;
    for (int64_t j = 0; j < n; ++j) row[j] += av * static_cast<Acc>(bp[j]);
  }
  for (int64_t j = 0; j < n; ++j) out[j] = row[j];
}

// out row j of m rows: out[i * ldo + j] = sum_p a[i * k + p] * b[p * ldb + j] for rows [i0, i1).
void IntGemmRows(const int16_t* a, const int16_t* b, int64_t i0, int64_t i1, int64_t k, int64_t n,
                 int64_t ldb, int64_t* out, int64_t ldo) {
  if (k <= kMaxInt32Reduction) {
    std::vector<int32_t> row(static_cast<size_t>(n));
    for (int64_t i = i0; i < i1; ++i) IntDotRow(a + i * k, b, k, n, ldb, row.data(), out + i * ldo);
  } else {
    std::vector<int64_t> row(static_cast<size_t>(n));
    for (int64_t i = i0; i < i1; ++i) IntDotRow(a + i * k, b, k, n, ldb, row.data(), out + i * ldo);
  }
}

// values[i] - zp[i / per] as int16, for 8-bit `t` (zp has 1 value or one per block of `per`).
std::vector<int16_t> CenteredInt16(const TensorView& t, const std::vector<int32_t>& zp,
                                   int64_t per) {
  std::vector<int16_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int32_t z = zp.size() == 1 ? zp[0] : zp[i / per];
    v[i] = static_cast<int16_t>(ReadQuantElement(t, i) - z);
  }
  return v;
}

}  // namespace

Status CheckZeroPoints(const InferContext& ctx, int input, std::string_view name, DType dtype,
                       int64_t channels) {
  if (!ctx.has_input(input)) return Status::Ok();
  return CheckZeroPointsView(ctx.node, ctx.inputs[input], input, name, dtype, channels);
}

Result<std::vector<int32_t>> ReadZeroPoints(const KernelContext& ctx, int input,
                                            std::string_view name, DType dtype, int64_t channels) {
  if (!ctx.has_input(input)) return std::vector<int32_t>{0};
  const TensorView& zp = ctx.inputs[input];
  MOTA_RETURN_IF_ERROR(CheckZeroPointsView(ctx.node, zp, input, name, dtype, channels));
  std::vector<int32_t> values;
  for (int64_t i = 0; i < zp.numel(); ++i) values.push_back(ReadQuantElement(zp, i));
  return values;
}

Result<IntConvProblem> MakeIntConvProblem(const model::Node& node, const TensorView& x,
                                          const TensorView& w) {
  auto error = [&](const auto&... args) {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", args...);
  };
  if (!IsInt8DType(x.dtype) || !IsInt8DType(w.dtype))
    return error("expects i8 or u8 x and w, got ", DTypeName(x.dtype), " and ", DTypeName(w.dtype));
  if (x.rank() < 3 || w.rank() != x.rank())
    return error("x ", ShapeToString(x.shape), " and w ", ShapeToString(w.shape),
                 " must have the same rank, at least 3 (N, C, spatial...)");
  if (x.rank() > 5)
    return Unimplemented(node.op_type, " node '", node.name, "': ", x.rank() - 2,
                         "-D convolution is not supported (1-D to 3-D are)");
  IntConvProblem p;
  p.batch = x.shape[0];
  p.channels = x.shape[1];
  p.filters = w.shape[0];
  p.group = node.attrs.GetInt("group", 1);
  if (p.group < 1 || p.channels % p.group != 0 || p.filters % p.group != 0 ||
      w.shape[1] * p.group != p.channels)
    return error("group ", p.group, " does not fit x ", ShapeToString(x.shape), " and w ",
                 ShapeToString(w.shape),
                 ": expected C and M divisible by group and w's dim 1 == C / group");
  const std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end());
  const std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  if (node.attrs.Has("kernel_shape") && node.attrs.GetInts("kernel_shape") != kernel)
    return error("kernel_shape ", ShapeToString(node.attrs.GetInts("kernel_shape")),
                 " does not match w ", ShapeToString(w.shape));
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, ResolveWindow(node, in, {.default_kernel = kernel}));
  p.w = ToWindow3(g);
  p.out_shape = {p.batch, p.filters};
  p.out_shape.insert(p.out_shape.end(), g.out.begin(), g.out.end());
  return p;
}

namespace {

// One (image n, group g) unit of an integer convolution, tile by tile of `tile_rows` output
// rows; `pool` (may be null) splits each tile's im2col rows and filters.
void IntConvUnit(ThreadPool* pool, const IntConvProblem& p, const TensorView& x, int32_t x_zp,
                 const int16_t* wq, int64_t n, int64_t g, int64_t tile_rows, int16_t* col,
                 int64_t* acc) {
  const Window3& win = p.w;
  const int64_t cg = p.channels / p.group, mg = p.filters / p.group;
  const int64_t k = cg * win.kernel_size();
  const int64_t rows = win.out[0] * win.out[1];
  const int64_t x_offset = (n * p.channels + g * cg) * win.in_size();
  int64_t* yg = acc + (n * p.filters + g * mg) * win.out_size();
  for (int64_t q0 = 0; q0 < rows; q0 += tile_rows) {
    const int64_t q1 = std::min(rows, q0 + tile_rows);
    const int64_t cols = (q1 - q0) * win.out[2];
    ParallelFor(pool, k, 8, [&](int64_t r0, int64_t r1) {
      if (x.dtype == DType::kI8) {
        Im2colRows(win, x.as<const int8_t>() + x_offset, r0, r1, q0, q1, col, ToCentered16(x_zp));
      } else {
        Im2colRows(win, x.as<const uint8_t>() + x_offset, r0, r1, q0, q1, col, ToCentered16(x_zp));
      }
    });
    ParallelFor(pool, mg, 1, [&](int64_t m0, int64_t m1) {
      IntGemmRows(wq + g * mg * k, col, m0, m1, k, cols, cols, yg + q0 * win.out[2],
                  win.out_size());
    });
  }
}

}  // namespace

Status IntConvAccumulate(const KernelContext& ctx, const IntConvProblem& p, const TensorView& x,
                         int32_t x_zp, const TensorView& w, const std::vector<int32_t>& w_zp,
                         int64_t* acc) {
  const Window3& win = p.w;
  const int64_t k = p.channels / p.group * win.kernel_size();
  const int64_t rows = win.out[0] * win.out[1];
  if (NumElements(p.out_shape) == 0) return Status::Ok();
  // w - w_zp[m] once; row m of the result is K values.
  const std::vector<int16_t> wq = CenteredInt16(w, w_zp, k);
  // Tiles of output rows keep a column buffer near 8 MB (at least one output row per tile).
  constexpr int64_t kMaxColValues = int64_t{1} << 22;
  const int64_t tile_rows =
      std::max<int64_t>(1, std::min(rows, kMaxColValues / std::max<int64_t>(1, k * win.out[2])));
  const size_t col_size = static_cast<size_t>(k * tile_rows * win.out[2]);
  const auto oom = [&] {
    return OutOfMemory(ctx.node.op_type, " node '", ctx.node.name, "': cannot allocate ",
                       col_size * sizeof(int16_t), " bytes for the im2col buffer");
  };
  // Many (image, group) units (depthwise and grouped convs): one unit per task, each task with
  // its own column buffer; otherwise the pool splits the work inside each unit.
  const int64_t units = p.batch * p.group;
  const int threads = ctx.pool == nullptr ? 1 : ctx.pool->threads();
  if (threads > 1 && units >= 2 * threads) {
    std::atomic<bool> failed{false};
    ParallelFor(ctx.pool, units, 1, [&](int64_t u0, int64_t u1) {
      std::unique_ptr<int16_t[]> col(new (std::nothrow) int16_t[col_size]);
      if (!col) {
        failed = true;
        return;
      }
      for (int64_t u = u0; u < u1; ++u)
        IntConvUnit(nullptr, p, x, x_zp, wq.data(), u / p.group, u % p.group, tile_rows, col.get(),
                    acc);
    });
    return failed ? oom() : Status::Ok();
  }
  std::unique_ptr<int16_t[]> col(new (std::nothrow) int16_t[col_size]);
  if (!col) return oom();
  for (int64_t u = 0; u < units; ++u)
    IntConvUnit(ctx.pool, p, x, x_zp, wq.data(), u / p.group, u % p.group, tile_rows, col.get(),
                acc);
  return Status::Ok();
}

Result<std::unique_ptr<int64_t[]>> AllocateAccumulators(const KernelContext& ctx, int64_t count) {
  std::unique_ptr<int64_t[]> acc(new (std::nothrow) int64_t[static_cast<size_t>(count)]);
  if (!acc)
    return OutOfMemory(ctx.node.op_type, " node '", ctx.node.name, "': cannot allocate ", count,
                       " accumulators");
  return acc;
}

void IntMatMulAccumulate(const KernelContext& ctx, const MatMulShape& s, const TensorView& a,
                         const std::vector<int32_t>& a_zp, const TensorView& b,
                         const std::vector<int32_t>& b_zp, int64_t* acc) {
  // a - a_zp[row] and b - b_zp[column], once for the whole tensors.
  std::vector<int16_t> aq(static_cast<size_t>(a.numel()));
  for (int64_t i = 0; i < a.numel(); ++i)
    aq[i] =
        static_cast<int16_t>(ReadQuantElement(a, i) - a_zp[a_zp.size() == 1 ? 0 : i / s.k % s.m]);
  std::vector<int16_t> bq(static_cast<size_t>(b.numel()));
  for (int64_t i = 0; i < b.numel(); ++i)
    bq[i] = static_cast<int16_t>(ReadQuantElement(b, i) - b_zp[b_zp.size() == 1 ? 0 : i % s.n]);
  const int64_t batches = NumElements(s.batch);
  std::vector<int64_t> a_off(batches, 0), b_off(batches, 0);
  if (!s.batch.empty()) {
    ForEachBroadcast2(s.batch, BroadcastStrides(s.a_batch, s.batch),
                      BroadcastStrides(s.b_batch, s.batch), [&](int64_t i, int64_t ia, int64_t ib) {
                        a_off[i] = ia * s.m * s.k;
                        b_off[i] = ib * s.k * s.n;
                      });
  }
  // One task per output row across every batch.
  ParallelFor(ctx.pool, batches * s.m, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / s.m, i = r % s.m;
      IntGemmRows(aq.data() + a_off[bi] + i * s.k, bq.data() + b_off[bi], 0, 1, s.k, s.n, s.n,
                  acc + r * s.n, s.n);
    }
  });
}

Result<Requantizer> MakeRequantizer(const KernelContext& ctx, const QuantOperand& y) {
  Requantizer r;
  r.dtype = y.dtype;
  r.zero_point = y.zero_point(0);
  r.scale = y.scale(0);
  r.lo = static_cast<int32_t>(QuantMin(y.dtype));
  r.hi = static_cast<int32_t>(QuantMax(y.dtype));
  MOTA_ASSIGN_OR_RETURN(r.act, ReadActivation(ctx.attrs()));
  switch (r.act.kind) {
    case ActivationKind::kNone:
      break;
    case ActivationKind::kRelu:
      r.lo = std::max(r.lo, r.zero_point);  // quantize(0) is the zero point
      break;
    case ActivationKind::kClip:
      r.lo = std::max(r.lo, QuantizeValue(r.act.alpha, r.scale, r.zero_point, r.dtype));
      r.hi = std::min(r.hi, QuantizeValue(r.act.beta, r.scale, r.zero_point, r.dtype));
      r.lo = std::min(r.lo, r.hi);  // min(max(x, a), b) with a > b is b
      break;
    default:
      r.real_domain = true;
      break;
  }
  return r;
}

Result<int64_t> QuantAxisChannels(const model::Node& node, const Shape& x, const TensorView& scale,
                                  int64_t* inner) {
  *inner = 1;
  if (scale.rank() == 0 || scale.numel() == 1) return 1;
  const int64_t axis_attr = node.attrs.GetInt("axis", 1);
  Result<int64_t> axis = NormalizeAxis(axis_attr, static_cast<int64_t>(x.size()));
  if (!axis.ok())
    return InvalidArgument(node.op_type, " node '", node.name, "': attribute axis ", axis_attr,
                           " is out of range for input 0 of shape ", ShapeToString(x),
                           " (a 1-D scale applies along axis)");
  for (size_t d = static_cast<size_t>(*axis) + 1; d < x.size(); ++d) *inner *= x[d];
  return x[*axis];
}

}  // namespace mota::exec
