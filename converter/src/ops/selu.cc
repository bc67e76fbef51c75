// Selu: the ONNX form already is the runtime form; attributes are copied.
// Selu-6: attributes alpha, gamma.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Selu, "Selu", LowerPassthrough);

}  // namespace mota::converter
