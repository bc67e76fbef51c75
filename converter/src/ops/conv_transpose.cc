// ConvTranspose: the ONNX form already is the runtime form; attributes are copied.
// ConvTranspose-1/11: attributes copied (output_padding, output_shape, ...).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(ConvTranspose, "ConvTranspose", LowerPassthrough);

}  // namespace mota::converter
