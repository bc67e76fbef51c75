// DynamicQuantizeLinear-11: the ONNX form is the runtime form (x f32 -> y u8, y_scale,
// y_zero_point).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(DynamicQuantizeLinear, "DynamicQuantizeLinear", LowerPassthrough);

}  // namespace mota::converter
