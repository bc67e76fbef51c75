// MaxPool: the ONNX form already is the runtime form; attributes are copied.
// MaxPool-8/10/11/12: the Indices output is kept when named.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(MaxPool, "MaxPool", LowerPassthrough);

}  // namespace mota::converter
