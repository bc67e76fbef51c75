// Size: the ONNX form already is the runtime form; attributes are copied.
// Size-1/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Size, "Size", LowerPassthrough);

}  // namespace mota::converter
