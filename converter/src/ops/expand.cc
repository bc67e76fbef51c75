// Expand: the ONNX form already is the runtime form; attributes are copied.
// Expand-8/13: shape is an input.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Expand, "Expand", LowerPassthrough);

}  // namespace mota::converter
