// IsInf: the ONNX form already is the runtime form; attributes are copied.
// IsInf-10: attributes detect_negative, detect_positive.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(IsInf, "IsInf", LowerPassthrough);

}  // namespace mota::converter
