// Cos: the ONNX form already is the runtime form; attributes are copied.
// Cos-7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Cos, "Cos", LowerPassthrough);

}  // namespace mota::converter
