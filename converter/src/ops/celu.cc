// Celu: the ONNX form already is the runtime form; attributes are copied.
// Celu-12: attribute alpha.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Celu, "Celu", LowerPassthrough);

}  // namespace mota::converter
