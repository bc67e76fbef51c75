// Less: the ONNX form already is the runtime form; attributes are copied.
// Less-7/9/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Less, "Less", LowerPassthrough);

}  // namespace mota::converter
