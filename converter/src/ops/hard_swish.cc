// HardSwish: the ONNX form already is the runtime form; attributes are copied.
// HardSwish-14.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(HardSwish, "HardSwish", LowerPassthrough);

}  // namespace mota::converter
