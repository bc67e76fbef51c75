// MatMul: the ONNX form already is the runtime form; attributes are copied.
// MatMul-1/9/13: numpy matmul semantics.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(MatMul, "MatMul", LowerPassthrough);

}  // namespace mota::converter
