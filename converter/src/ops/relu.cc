// Relu: the ONNX form already is the runtime form; attributes are copied.
// Relu-6/13/14.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Relu, "Relu", LowerPassthrough);

}  // namespace mota::converter
