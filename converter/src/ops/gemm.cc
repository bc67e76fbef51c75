// Gemm: the ONNX form already is the runtime form; attributes are copied.
// Gemm-7/9/11/13: attributes alpha, beta, transA, transB; C optional since 11.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Gemm, "Gemm", LowerPassthrough);

}  // namespace mota::converter
