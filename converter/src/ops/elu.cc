// Elu: the ONNX form already is the runtime form; attributes are copied.
// Elu-6: attribute alpha.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Elu, "Elu", LowerPassthrough);

}  // namespace mota::converter
