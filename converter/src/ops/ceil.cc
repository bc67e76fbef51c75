// Ceil: the ONNX form already is the runtime form; attributes are copied.
// Ceil-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Ceil, "Ceil", LowerPassthrough);

}  // namespace mota::converter
