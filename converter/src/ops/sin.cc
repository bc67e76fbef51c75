// Sin: the ONNX form already is the runtime form; attributes are copied.
// Sin-7.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Sin, "Sin", LowerPassthrough);

}  // namespace mota::converter
