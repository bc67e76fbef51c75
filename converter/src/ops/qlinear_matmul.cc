// QLinearMatMul-10/21: the ONNX form is the runtime form (a, a_scale, a_zero_point, b, b_scale,
// b_zero_point, y_scale, y_zero_point). ONNX-21's f16 scales are unsupported (f32 only).
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerQLinearMatMul(LoweringContext& ctx) {
  for (size_t i : {1, 4, 6}) {
    const DType d = ctx.input_dtype(i);
    if (d != DType::kUndefined && d != DType::kF32)
      return ctx.Unsupported("input ", i, " (a scale) has dtype ", DTypeName(d),
                             "; mota supports f32 scales");
  }
  return LowerPassthrough(ctx);
}

}  // namespace

MOTA_REGISTER_LOWERING(QLinearMatMul, "QLinearMatMul", LowerQLinearMatMul);

}  // namespace mota::converter
