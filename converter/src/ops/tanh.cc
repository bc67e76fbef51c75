// Tanh: the ONNX form already is the runtime form; attributes are copied.
// Tanh-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Tanh, "Tanh", LowerPassthrough);

}  // namespace mota::converter
