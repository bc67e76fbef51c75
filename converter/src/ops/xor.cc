// Xor: the ONNX form already is the runtime form; attributes are copied.
// Xor-7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Xor, "Xor", LowerPassthrough);

}  // namespace mota::converter
