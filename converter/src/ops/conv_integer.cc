// ConvInteger-10: the ONNX form is the runtime form (x, w, x_zero_point?, w_zero_point?; Conv's
// attributes copied), output i32.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ConvInteger, "ConvInteger", LowerPassthrough);

}  // namespace mota::converter
