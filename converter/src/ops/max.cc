// Max: the ONNX form already is the runtime form; attributes are copied.
// Max-6/8/12/13: variadic; opset 6 required equal shapes, which broadcasting keeps.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Max, "Max", LowerPassthrough);

}  // namespace mota::converter
