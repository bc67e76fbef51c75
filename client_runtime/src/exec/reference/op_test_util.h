// Test helpers for op files: build a one-node graph and run it through a Session on a backend.
// Used by *_test.cc beside the ops; not part of the runtime library.
#pragma once

#include <string>
#include <vector>

#include "exec/session.h"
#include "exec/tensor.h"
#include "model/attributes.h"

namespace mota::exec::testing {

HostTensor MakeF32(Shape shape, const std::vector<float>& values);
HostTensor MakeI64(Shape shape, const std::vector<int64_t>& values);
HostTensor MakeI32(Shape shape, const std::vector<int32_t>& values);
HostTensor MakeBool(Shape shape, const std::vector<bool>& values);
HostTensor MakeU8(Shape shape, const std::vector<uint8_t>& values);
HostTensor MakeI8(Shape shape, const std::vector<int8_t>& values);
std::vector<float> ToFloats(const HostTensor& t);
std::vector<int64_t> ToInts(const HostTensor& t);

struct OpInput {
  HostTensor tensor;      // dtype kUndefined: an omitted optional input
  bool constant = false;  // true: stored as a model constant (known at prepare time)
};

// Runs `op_type` with `attrs` on the inputs, on backend `backend` ("reference" by default).
Result<std::vector<HostTensor>> RunOp(const std::string& op_type, const model::Attributes& attrs,
                                      std::vector<OpInput> inputs, int num_outputs = 1,
                                      const std::string& backend = "reference");

}  // namespace mota::exec::testing
