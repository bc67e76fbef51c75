// Min: the ONNX form already is the runtime form; attributes are copied.
// Min-6/8/12/13: variadic; opset 6 required equal shapes, which broadcasting keeps.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Min, "Min", LowerPassthrough);

}  // namespace mota::converter
