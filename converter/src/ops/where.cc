// Where: the ONNX form already is the runtime form; attributes are copied.
// Where-9/16.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Where, "Where", LowerPassthrough);

}  // namespace mota::converter
