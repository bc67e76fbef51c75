// Concat: the ONNX form already is the runtime form; attributes are copied.
// Concat-4/11/13: attribute axis.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Concat, "Concat", LowerPassthrough);

}  // namespace mota::converter
