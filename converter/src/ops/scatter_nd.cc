// ScatterND: the ONNX form already is the runtime form; attributes are copied.
// ScatterND-11/13/16: attribute reduction (16+).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ScatterND, "ScatterND", LowerPassthrough);

}  // namespace mota::converter
