// GreaterOrEqual: the ONNX form already is the runtime form; attributes are copied.
// GreaterOrEqual-12/16.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(GreaterOrEqual, "GreaterOrEqual", LowerPassthrough);

}  // namespace mota::converter
