// GlobalAveragePool: the ONNX form already is the runtime form; attributes are copied.
// GlobalAveragePool-1.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(GlobalAveragePool, "GlobalAveragePool", LowerPassthrough);

}  // namespace mota::converter
