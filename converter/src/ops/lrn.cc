// LRN: the ONNX form already is the runtime form; attributes are copied.
// LRN-1/13: attributes alpha, beta, bias, size.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LRN, "LRN", LowerPassthrough);

}  // namespace mota::converter
