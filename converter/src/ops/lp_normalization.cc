// LpNormalization: the ONNX form already is the runtime form; attributes are copied.
// LpNormalization-1: attributes axis, p.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LpNormalization, "LpNormalization", LowerPassthrough);

}  // namespace mota::converter
