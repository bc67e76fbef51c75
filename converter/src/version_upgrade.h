// Models of opsets 1-6 (old exporters, many of ONNX's own pytorch test cases) are upgraded to
// opset 7 with ONNX's version converter before import, so the lowerings only see opsets 7-17.
#pragma once

#include <onnx/onnx_pb.h>

#include "base/status.h"

namespace mota::converter {

// No-op for models at opset 7 or newer. UNIMPLEMENTED naming the opset and ONNX's reason when
// the converter cannot upgrade the model.
Status UpgradeLegacyOpset(onnx::ModelProto& model);

}  // namespace mota::converter
