// MatMulInteger-10: the ONNX form is the runtime form (A, B, a_zero_point?, b_zero_point?),
// output i32.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(MatMulInteger, "MatMulInteger", LowerPassthrough);

}  // namespace mota::converter
