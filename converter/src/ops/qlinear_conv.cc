// QLinearConv-10: the ONNX form is the runtime form (x, x_scale, x_zero_point, w, w_scale,
// w_zero_point, y_scale, y_zero_point, B?; Conv's attributes copied). Scales other than f32 are
// unsupported.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerQLinearConv(LoweringContext& ctx) {
  for (size_t i : {1, 4, 6}) {
    const DType d = ctx.input_dtype(i);
    if (d != DType::kUndefined && d != DType::kF32)
      return ctx.Unsupported("input ", i, " (a scale) has dtype ", DTypeName(d),
                             "; mota supports f32 scales");
  }
  return LowerPassthrough(ctx);
}

}  // namespace

MOTA_REGISTER_LOWERING(QLinearConv, "QLinearConv", LowerQLinearConv);

}  // namespace mota::converter
