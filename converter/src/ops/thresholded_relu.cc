// ThresholdedRelu: the ONNX form already is the runtime form; attributes are copied.
// ThresholdedRelu-10: attribute alpha.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ThresholdedRelu, "ThresholdedRelu", LowerPassthrough);

}  // namespace mota::converter
