// Add: the ONNX form already is the runtime form; attributes are copied.
// Add-7/13/14: numpy broadcasting since opset 7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Add, "Add", LowerPassthrough);

}  // namespace mota::converter
