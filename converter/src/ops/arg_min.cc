// ArgMin: the ONNX form already is the runtime form; attributes are copied.
// ArgMin-1/11/12/13: attributes axis, keepdims, select_last_index.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ArgMin, "ArgMin", LowerPassthrough);

}  // namespace mota::converter
