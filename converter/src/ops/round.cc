// Round: the ONNX form already is the runtime form; attributes are copied.
// Round-11 (half to even).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Round, "Round", LowerPassthrough);

}  // namespace mota::converter
