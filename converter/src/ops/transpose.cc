// Transpose: the ONNX form already is the runtime form; attributes are copied.
// Transpose-1/13: attribute perm.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Transpose, "Transpose", LowerPassthrough);

}  // namespace mota::converter
