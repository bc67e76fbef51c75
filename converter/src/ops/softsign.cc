// Softsign: the ONNX form already is the runtime form; attributes are copied.
// Softsign-1.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Softsign, "Softsign", LowerPassthrough);

}  // namespace mota::converter
