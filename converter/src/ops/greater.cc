// Greater: the ONNX form already is the runtime form; attributes are copied.
// Greater-7/9/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Greater, "Greater", LowerPassthrough);

}  // namespace mota::converter
