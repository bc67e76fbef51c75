// ONNX TensorProto <-> mota tensors: dtype numbering and payload decoding.
//
// Used by the importer (initializers, Constant nodes, tensor attributes) and by the conformance
// runner (the ONNX backend tests store inputs and expected outputs as serialized TensorProto
// files, input_N.pb / output_N.pb).
//
// Decoding accepts both storage forms of a TensorProto: `raw_data` (little-endian bytes) and the
// typed repeated fields (float_data; int32_data, which ONNX also uses for f16 bit patterns, i8,
// u8 and bool; int64_data). Tensors whose data lives in an external file, sparse tensors and
// dtypes mota does not hold (double, strings, u16, ...) fail with a message naming the tensor.
//
//   MOTA_ASSIGN_OR_RETURN(exec::HostTensor t, ReadTensorProtoFile("test_data_set_0/input_0.pb"));
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/tensor.h"

namespace mota::converter {

// The mota dtype of an ONNX TensorProto.DataType number; kUndefined when mota has none.
DType DTypeFromOnnx(int32_t onnx_dtype);
// The ONNX TensorProto.DataType number of a mota dtype (0, UNDEFINED, for kUndefined).
int32_t DTypeToOnnx(DType dtype);
// "FLOAT", "DOUBLE", ... ; "dtype <n>" for numbers ONNX does not define.
std::string OnnxDTypeName(int32_t onnx_dtype);

// A decoded tensor: dtype, static shape and little-endian element bytes (numel * dtype size).
struct DecodedTensor {
  DType dtype = DType::kUndefined;
  Shape shape;
  std::vector<uint8_t> bytes;
};

// Decodes a TensorProto. `what` names it in error messages ("initializer 'w'"); empty uses the
// tensor's own name.
Result<DecodedTensor> DecodeTensorProto(const onnx::TensorProto& proto,
                                        const std::string& what = {});

// The same as a HostTensor (64-byte aligned, ready for exec::Session).
Result<exec::HostTensor> ReadTensorProto(const onnx::TensorProto& proto);
// Parses a serialized TensorProto file (the ONNX test data format) and decodes it.
Result<exec::HostTensor> ReadTensorProtoFile(const std::string& path);

// Encodes a mota tensor as a TensorProto with raw_data (for tests and tools that write ONNX).
onnx::TensorProto MakeTensorProto(const std::string& name, DType dtype, const Shape& shape,
                                  const void* data);

}  // namespace mota::converter
