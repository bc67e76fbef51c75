// Sliding-window geometry shared by Conv, ConvTranspose and the pooling ops: reads
// kernel_shape, strides, dilations, pads and auto_pad (ONNX semantics), resolves auto_pad from
// the input's spatial shape, and computes output sizes. Kernels then see every spatial problem as
// 3-D (Window3): missing leading dims become size 1, so one loop nest serves 1-D, 2-D and 3-D.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <vector>

#include "base/status.h"
#include "exec/op_registry.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// Reads the `auto_pad` attribute; an error naming the node for an unknown value.
Result<AutoPad> ReadAutoPad(const model::Node& node);

// Conv and ConvTranspose operands: f32 X and W of the same rank, 1-D to 3-D spatial.
Status CheckConvOperands(const model::Node& node, const TensorView& x, const TensorView& w);

struct WindowGeometry {
  std::vector<int64_t> in;      // input spatial sizes
  std::vector<int64_t> kernel;  // kernel sizes
  std::vector<int64_t> stride;
  std::vector<int64_t> dilation;
  std::vector<int64_t> pad_begin;
  std::vector<int64_t> pad_end;
  std::vector<int64_t> out;  // output spatial sizes

  size_t rank() const { return in.size(); }
};

// Options for ResolveWindow.
struct WindowOptions {
  // Kernel sizes to use when the node has no kernel_shape (Conv takes them from W); empty means
  // kernel_shape is required.
  std::vector<int64_t> default_kernel;
  // Pooling's ceil_mode: output sizes round up; a window that would start in the end padding is
  // dropped (as PyTorch and ONNX Runtime do).
  bool ceil_mode = false;
};

// Reads the node's window attributes for input spatial sizes `in` and computes pads and output
// sizes (Conv / pooling output formula). Errors name the node, the attribute and the values.
Result<WindowGeometry> ResolveWindow(const model::Node& node, const std::vector<int64_t>& in,
                                     const WindowOptions& options);

// Reads kernel_shape/strides/dilations/pads for ConvTranspose and fills the same struct with
// the transposed relation: `in` are the input sizes, `out` the output sizes, following
// output_shape, output_padding and auto_pad as ONNX defines them.
Result<WindowGeometry> ResolveTransposedWindow(const model::Node& node,
                                               const std::vector<int64_t>& in,
                                               const std::vector<int64_t>& kernel_from_w);

// A window problem seen as 3-D: index 0 is depth, 1 height, 2 width.
struct Window3 {
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t stride[3];
  int64_t dilation[3];
  int64_t pad[3];  // begin pads (end pads only shape the output size)

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Pads a 1-, 2- or 3-D geometry with leading unit dims. Caller checks rank() <= 3.
Window3 ToWindow3(const WindowGeometry& g);

// The range [lo, hi) of output positions o in [0, out) for which o * stride + offset falls in
// [0, in): the positions where one kernel tap reads real input, not padding.
void ValidOutputRange(int64_t out, int64_t stride, int64_t offset, int64_t in, int64_t* lo,
                      int64_t* hi);

// Fills rows [r0, r1) of the im2col matrix of one image (and group): row r = (channel c, tap kd,
// kh, kw), columns = output positions of output rows [q0, q1) (a row is one (od, oh) pair with all
// ow). Each input element goes through `convert`; padding positions get Dst{}. With std::identity
// and stride 1 the valid span of a row is one memcpy.
template <typename Src, typename Dst, typename Convert>
void Im2colRows(const Window3& w, const Src* x, int64_t r0, int64_t r1, int64_t q0, int64_t q1,
                Dst* col, Convert convert) {
  const int64_t ksz = w.kernel_size();
  const int64_t cols = (q1 - q0) * w.out[2];
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t c = r / ksz, t = r % ksz;
    const int64_t kd = t / (w.kernel[1] * w.kernel[2]);
    const int64_t kh = t / w.kernel[2] % w.kernel[1];
    const int64_t kw = t % w.kernel[2];
    const Src* src = x + c * w.in_size();
    Dst* dst = col + r * cols;
    const int64_t offset = kw * w.dilation[2] - w.pad[2];
    int64_t lo, hi;
    ValidOutputRange(w.out[2], w.stride[2], offset, w.in[2], &lo, &hi);
    for (int64_t q = q0; q < q1; ++q, dst += w.out[2]) {
      const int64_t id = q / w.out[1] * w.stride[0] - w.pad[0] + kd * w.dilation[0];
      const int64_t ih = q % w.out[1] * w.stride[1] - w.pad[1] + kh * w.dilation[1];
      if (id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1]) {
        std::fill(dst, dst + w.out[2], Dst{});
        continue;
      }
      const Src* row = src + (id * w.in[1] + ih) * w.in[2] + offset;
      std::fill(dst, dst + lo, Dst{});
      if constexpr (std::is_same_v<Convert, std::identity> && std::is_same_v<Src, Dst>) {
        if (w.stride[2] == 1 && hi > lo) {
          std::memcpy(dst + lo, row + lo, (hi - lo) * sizeof(Dst));
        } else {
          for (int64_t o = lo; o < hi; ++o) dst[o] = row[o * w.stride[2]];
        }
      } else {
        for (int64_t o = lo; o < hi; ++o) dst[o] = convert(row[o * w.stride[2]]);
      }
      std::fill(dst + std::max(lo, hi), dst + w.out[2], Dst{});
    }
  }
}

// One kernel column kw of a window: output columns ow in [lo, hi) read input column
// ow * stride + offset, which lies inside the input (offset = kw * dilation - pad).
struct ColumnTap {
  int64_t offset;
  int64_t lo;
  int64_t hi;
};
// The column taps of dim 2 (width), one per kernel column.
std::vector<ColumnTap> ColumnTaps(const Window3& w);

// Floor division for possibly negative numerators (ONNX's Python reference uses `//`).
int64_t FloorDiv(int64_t a, int64_t b);

// Checks the optional bias (input 2: f32 [filters]) and sets output 0 to f32
// [batch, filters, window output dims...].
Status SetConvOutput(InferContext& ctx, int64_t batch, int64_t filters, const WindowGeometry& g);

}  // namespace mota::exec
