// GlobalLpPool: the ONNX form already is the runtime form; attributes are copied.
// GlobalLpPool-2: attribute p.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(GlobalLpPool, "GlobalLpPool", LowerPassthrough);

}  // namespace mota::converter
