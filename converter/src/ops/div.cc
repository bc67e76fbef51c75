// Div: the ONNX form already is the runtime form; attributes are copied.
// Div-7/13/14: numpy broadcasting since opset 7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Div, "Div", LowerPassthrough);

}  // namespace mota::converter
