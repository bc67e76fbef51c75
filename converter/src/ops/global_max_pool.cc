// GlobalMaxPool: the ONNX form already is the runtime form; attributes are copied.
// GlobalMaxPool-1.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(GlobalMaxPool, "GlobalMaxPool", LowerPassthrough);

}  // namespace mota::converter
