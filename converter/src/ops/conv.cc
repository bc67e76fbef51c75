// Conv: the ONNX form already is the runtime form; attributes are copied.
// Conv-1/11: attributes copied (auto_pad, dilations, group, kernel_shape, pads, strides).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Conv, "Conv", LowerPassthrough);

}  // namespace mota::converter
