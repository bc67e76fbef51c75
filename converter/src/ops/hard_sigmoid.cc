// HardSigmoid: the ONNX form already is the runtime form; attributes are copied.
// HardSigmoid-6: attributes alpha, beta.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(HardSigmoid, "HardSigmoid", LowerPassthrough);

}  // namespace mota::converter
