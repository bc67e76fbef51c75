// Tile: the ONNX form already is the runtime form; attributes are copied.
// Tile-6/13: repeats is an input.
#include "converter/src/lowering.h"

namespace mota::converter {

MOTA_REGISTER_LOWERING(Tile, "Tile", LowerPassthrough);

}  // namespace mota::converter
