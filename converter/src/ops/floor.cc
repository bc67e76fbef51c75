// Floor: the ONNX form already is the runtime form; attributes are copied.
// Floor-6/13.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Floor, "Floor", LowerPassthrough);

}  // namespace mota::converter
