// Flatten: the ONNX form already is the runtime form; attributes are copied.
// Flatten-1/9/11/13: attribute axis (default 1 in every opset).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Flatten, "Flatten", LowerPassthrough);

}  // namespace mota::converter
