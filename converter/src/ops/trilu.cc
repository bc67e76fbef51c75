// Trilu: the ONNX form already is the runtime form; attributes are copied.
// Trilu-14: inputs (input, k?), attribute upper.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Trilu, "Trilu", LowerPassthrough);

}  // namespace mota::converter
