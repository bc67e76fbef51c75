// LayerNormalization: the ONNX form already is the runtime form; attributes are copied.
// LayerNormalization-17: inputs (X, Scale, B?), attributes axis, epsilon, stash_type;
// the optional Mean and InvStdDev outputs are kept when named.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(LayerNormalization, "LayerNormalization", LowerPassthrough);

}  // namespace mota::converter
