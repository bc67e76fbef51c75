// Log: the ONNX form already is the runtime form; attributes are copied.
// Log-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Log, "Log", LowerPassthrough);

}  // namespace mota::converter
