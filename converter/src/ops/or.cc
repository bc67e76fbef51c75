// Or: the ONNX form already is the runtime form; attributes are copied.
// Or-7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Or, "Or", LowerPassthrough);

}  // namespace mota::converter
