// Shape: the ONNX form already is the runtime form; attributes are copied.
// Shape-1/13/15: attributes start, end since 15.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Shape, "Shape", LowerPassthrough);

}  // namespace mota::converter
