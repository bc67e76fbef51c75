// Reciprocal: the ONNX form already is the runtime form; attributes are copied.
// Reciprocal-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Reciprocal, "Reciprocal", LowerPassthrough);

}  // namespace mota::converter
