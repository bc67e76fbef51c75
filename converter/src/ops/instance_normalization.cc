// InstanceNormalization: the ONNX form already is the runtime form; attributes are copied.
// InstanceNormalization-6: attribute epsilon.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(InstanceNormalization, "InstanceNormalization", LowerPassthrough);

}  // namespace mota::converter
