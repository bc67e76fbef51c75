// Neg: the ONNX form already is the runtime form; attributes are copied.
// Neg-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Neg, "Neg", LowerPassthrough);

}  // namespace mota::converter
