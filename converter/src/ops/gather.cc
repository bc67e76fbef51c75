// Gather: the ONNX form already is the runtime form; attributes are copied.
// Gather-1/11/13: attribute axis; negative indices allowed since 11.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Gather, "Gather", LowerPassthrough);

}  // namespace mota::converter
