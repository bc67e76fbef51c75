// Mul: the ONNX form already is the runtime form; attributes are copied.
// Mul-7/13/14: numpy broadcasting since opset 7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Mul, "Mul", LowerPassthrough);

}  // namespace mota::converter
