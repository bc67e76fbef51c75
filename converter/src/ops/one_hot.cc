// OneHot: the ONNX form already is the runtime form; attributes are copied.
// OneHot-9/11: inputs (indices, depth, values), attribute axis.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(OneHot, "OneHot", LowerPassthrough);

}  // namespace mota::converter
