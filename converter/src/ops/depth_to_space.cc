// DepthToSpace: the ONNX form already is the runtime form; attributes are copied.
// DepthToSpace-1/11/13: attributes blocksize, mode (DCR unless given).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(DepthToSpace, "DepthToSpace", LowerPassthrough);

}  // namespace mota::converter
