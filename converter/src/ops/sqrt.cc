// Sqrt: the ONNX form already is the runtime form; attributes are copied.
// Sqrt-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Sqrt, "Sqrt", LowerPassthrough);

}  // namespace mota::converter
