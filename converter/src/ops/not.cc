// Not: the ONNX form already is the runtime form; attributes are copied.
// Not-1.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Not, "Not", LowerPassthrough);

}  // namespace mota::converter
