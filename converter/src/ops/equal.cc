// Equal: the ONNX form already is the runtime form; attributes are copied.
// Equal-7/11/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Equal, "Equal", LowerPassthrough);

}  // namespace mota::converter
