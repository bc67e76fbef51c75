// Range: the ONNX form already is the runtime form; attributes are copied.
// Range-11.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Range, "Range", LowerPassthrough);

}  // namespace mota::converter
