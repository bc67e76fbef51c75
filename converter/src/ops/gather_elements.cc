// GatherElements: the ONNX form already is the runtime form; attributes are copied.
// GatherElements-11/13: attribute axis.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(GatherElements, "GatherElements", LowerPassthrough);

}  // namespace mota::converter
