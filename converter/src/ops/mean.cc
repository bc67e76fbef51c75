// Mean: the ONNX form already is the runtime form; attributes are copied.
// Mean-6/8/13: variadic; opset 6 required equal shapes, which broadcasting keeps.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Mean, "Mean", LowerPassthrough);

}  // namespace mota::converter
