// Pow: the ONNX form already is the runtime form; attributes are copied.
// Pow-7/12/13/15: numpy broadcasting.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Pow, "Pow", LowerPassthrough);

}  // namespace mota::converter
