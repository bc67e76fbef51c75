// ScatterElements: the ONNX form already is the runtime form; attributes are copied.
// ScatterElements-11/13/16: attributes axis, reduction (16+).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ScatterElements, "ScatterElements", LowerPassthrough);

}  // namespace mota::converter
