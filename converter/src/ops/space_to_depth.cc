// SpaceToDepth: the ONNX form already is the runtime form; attributes are copied.
// SpaceToDepth-1/13: attribute blocksize.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(SpaceToDepth, "SpaceToDepth", LowerPassthrough);

}  // namespace mota::converter
