// And: the ONNX form already is the runtime form; attributes are copied.
// And-7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(And, "And", LowerPassthrough);

}  // namespace mota::converter
