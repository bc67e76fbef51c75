// Exp: the ONNX form already is the runtime form; attributes are copied.
// Exp-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Exp, "Exp", LowerPassthrough);

}  // namespace mota::converter
