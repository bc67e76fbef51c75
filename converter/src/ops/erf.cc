// Erf: the ONNX form already is the runtime form; attributes are copied.
// Erf-9/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Erf, "Erf", LowerPassthrough);

}  // namespace mota::converter
