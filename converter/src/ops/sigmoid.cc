// Sigmoid: the ONNX form already is the runtime form; attributes are copied.
// Sigmoid-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Sigmoid, "Sigmoid", LowerPassthrough);

}  // namespace mota::converter
