// IsNaN: the ONNX form already is the runtime form; attributes are copied.
// IsNaN-9/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(IsNaN, "IsNaN", LowerPassthrough);

}  // namespace mota::converter
