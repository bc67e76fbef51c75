// Softplus: the ONNX form already is the runtime form; attributes are copied.
// Softplus-1.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Softplus, "Softplus", LowerPassthrough);

}  // namespace mota::converter
