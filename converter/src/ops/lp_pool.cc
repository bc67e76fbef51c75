// LpPool: the ONNX form already is the runtime form; attributes are copied.
// LpPool-2/11: attributes p, kernel_shape, strides, pads, auto_pad (ceil_mode and
// dilations arrive in 18 with defaults that match the older forms).
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LpPool, "LpPool", LowerPassthrough);

}  // namespace mota::converter
