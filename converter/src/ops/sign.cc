// Sign: the ONNX form already is the runtime form; attributes are copied.
// Sign-9/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Sign, "Sign", LowerPassthrough);

}  // namespace mota::converter
