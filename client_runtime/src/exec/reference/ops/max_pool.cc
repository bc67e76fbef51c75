// MaxPool (ONNX MaxPool-12): kernel_shape, strides, pads, auto_pad, ceil_mode, dilations,
// storage_order. Output Y keeps X's dtype; the optional second output Indices (i64) holds the
// flat index of each maximum in X, counting over N, C and the spatial dims, row-major
// (storage_order 0) or with the spatial dims column-major (storage_order 1). Ties keep the
// first maximum in window order.
#include <limits>

#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferMaxPool(InferContext& ctx) { return InferPool(ctx, /*float_only=*/false); }

template <typename T>
void MaxPoolPlane(const PoolPlan& p, int64_t plane, bool column_major, const T* x, T* y,
                  int64_t* indices) {
  const Window3& w = p.w;
  const int64_t base = plane * w.in_size();
  const T* src = x + base;
  int64_t o = plane * w.out_size();
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh) {
      for (int64_t ow = 0; ow < w.out[2]; ++ow, ++o) {
        T best = std::numeric_limits<T>::lowest();
        if constexpr (std::numeric_limits<T>::has_infinity)
          best = -std::numeric_limits<T>::infinity();
        int64_t best_at = -1;
        for (int64_t kd = p.taps[0].lo[od]; kd < p.taps[0].hi[od]; ++kd) {
          const int64_t id = p.taps[0].start[od] + kd * w.dilation[0];
          for (int64_t kh = p.taps[1].lo[oh]; kh < p.taps[1].hi[oh]; ++kh) {
            const int64_t ih = p.taps[1].start[oh] + kh * w.dilation[1];
            const int64_t row = (id * w.in[1] + ih) * w.in[2];
            for (int64_t kw = p.taps[2].lo[ow]; kw < p.taps[2].hi[ow]; ++kw) {
              const int64_t iw = p.taps[2].start[ow] + kw * w.dilation[2];
              const T v = src[row + iw];
              if (best_at < 0 || v > best) {
                best = v;
                best_at = column_major ? id + w.in[0] * (ih + w.in[1] * iw) : row + iw;
              }
            }
          }
        }
        y[o] = best;
        if (indices != nullptr) indices[o] = best_at < 0 ? -1 : base + best_at;
      }
    }
  }
}

// Without Indices: tap by tap over whole output rows (see ForEachRowTap).
template <typename T>
void MaxPoolPlaneValues(const PoolPlan& p, int64_t plane, const T* x, T* y) {
  const Window3& w = p.w;
  const int64_t stride = w.stride[2];
  const T* src = x + plane * w.in_size();
  T* dst = y + plane * w.out_size();
  T lowest = std::numeric_limits<T>::lowest();
  if constexpr (std::numeric_limits<T>::has_infinity) lowest = -std::numeric_limits<T>::infinity();
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh, dst += w.out[2]) {
      for (int64_t ow = 0; ow < w.out[2]; ++ow) dst[ow] = lowest;
      ForEachRowTap(p, src, od, oh, [&](const T* in, int64_t off, int64_t lo, int64_t hi) {
        for (int64_t ow = lo; ow < hi; ++ow) {
          const T v = in[ow * stride + off];
          dst[ow] = v > dst[ow] ? v : dst[ow];
        }
      });
    }
  }
}

Status ComputeMaxPool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(PoolPlan p, MakePoolPlan(ctx.node, x));
  const int64_t storage_order = ctx.attrs().GetInt("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) {
    return ctx.Error("storage_order is ", storage_order, "; expected 0 (row major) or 1");
  }
  int64_t* indices = ctx.outputs.size() > 1 ? ctx.outputs[1].as<int64_t>() : nullptr;
  return MOTA_DISPATCH_NUMERIC(x.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* px = x.as<T>();
    T* py = ctx.outputs[0].as<T>();
    ParallelFor(ctx.pool, p.planes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        if (indices == nullptr) {
          MaxPoolPlaneValues(p, i, px, py);
        } else {
          MaxPoolPlane(p, i, storage_order == 1, px, py, indices);
        }
      }
    });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(MaxPool, {"MaxPool", 1, 1, 1, 2, InferMaxPool, ComputeMaxPool});

}  // namespace mota::exec
