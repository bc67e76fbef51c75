// ArgMax: the ONNX form already is the runtime form; attributes are copied.
// ArgMax-1/11/12/13: attributes axis, keepdims, select_last_index.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ArgMax, "ArgMax", LowerPassthrough);

}  // namespace mota::converter
