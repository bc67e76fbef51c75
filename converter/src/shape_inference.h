// ONNX shape inference, isolated from the converter process.
//
// ONNX 1.12's inference functions trust their input: a malformed model (an input of the wrong
// rank for ConvTranspose, a LayerNormalization axis out of range, a huge DepthToSpace blocksize,
// ...) makes them index out of range or divide by zero, which kills the process. The converter
// promises an error instead of a crash, so inference runs in a forked child process that sends
// back only what inference writes (value_info and the graph outputs' types, never the weights).
// When fork is not available, it runs in process. Forking a multi-threaded caller is safe here:
// the child runs only ONNX inference and protobuf serialization on its copy of the model (the
// schema registry is built before the fork; glibc makes malloc usable in the child), then _exits.
#pragma once

#include <onnx/onnx_pb.h>

#include "base/status.h"

namespace mota::converter {

// Fills model.graph().value_info and refines the graph outputs' types. INVALID_ARGUMENT when ONNX
// rejects the model (its exception text) or crashes on it (the signal).
Status RunOnnxShapeInference(onnx::ModelProto& model, bool data_propagation);

}  // namespace mota::converter
