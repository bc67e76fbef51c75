// Reshape: the ONNX form already is the runtime form; attributes are copied.
// Reshape-5/13/14: shape is an input since opset 5; allowzero since 14.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Reshape, "Reshape", LowerPassthrough);

}  // namespace mota::converter
