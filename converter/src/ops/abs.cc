// Abs: the ONNX form already is the runtime form; attributes are copied.
// Abs-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Abs, "Abs", LowerPassthrough);

}  // namespace mota::converter
