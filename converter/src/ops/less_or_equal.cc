// LessOrEqual: the ONNX form already is the runtime form; attributes are copied.
// LessOrEqual-12/16.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LessOrEqual, "LessOrEqual", LowerPassthrough);

}  // namespace mota::converter
