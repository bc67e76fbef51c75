// PRelu: the ONNX form already is the runtime form; attributes are copied.
// PRelu-7/9/16: slope broadcast to X (numpy rules since opset 7).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(PRelu, "PRelu", LowerPassthrough);

}  // namespace mota::converter
