// AveragePool: the ONNX form already is the runtime form; attributes are copied.
// AveragePool-7/10/11: attributes copied (count_include_pad, ceil_mode, ...).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(AveragePool, "AveragePool", LowerPassthrough);

}  // namespace mota::converter
