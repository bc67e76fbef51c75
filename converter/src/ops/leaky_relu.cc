// LeakyRelu: the ONNX form already is the runtime form; attributes are copied.
// LeakyRelu-6/16: attribute alpha.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LeakyRelu, "LeakyRelu", LowerPassthrough);

}  // namespace mota::converter
