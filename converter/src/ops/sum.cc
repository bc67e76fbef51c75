// Sum: the ONNX form already is the runtime form; attributes are copied.
// Sum-6/8/13: variadic; opset 6 required equal shapes, which broadcasting keeps.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Sum, "Sum", LowerPassthrough);

}  // namespace mota::converter
