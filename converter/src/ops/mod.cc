// Mod: the ONNX form already is the runtime form; attributes are copied.
// Mod-10/13: attribute fmod.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Mod, "Mod", LowerPassthrough);

}  // namespace mota::converter
