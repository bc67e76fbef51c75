// Identity: the ONNX form already is the runtime form; attributes are copied.
// Identity-1/13/14/16 (the passes remove it).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Identity, "Identity", LowerPassthrough);

}  // namespace mota::converter
