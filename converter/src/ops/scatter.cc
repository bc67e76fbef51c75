// Scatter-9 (deprecated in opset 11) is ScatterElements under its old name: same inputs (data,
// indices, updates) and attribute axis.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerScatter(LoweringContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes());
  return ctx.Emit("ScatterElements", std::move(attrs), ctx.inputs(), 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Scatter, "Scatter", LowerScatter);

}  // namespace mota::converter
