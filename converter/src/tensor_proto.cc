#include "converter/src/tensor_proto.h"

#include <cstring>
#include <limits>

#include "base/file.h"

namespace mota::converter {
namespace {

// The loader's limit on constant element counts (manifests/spec/model-format.md): decoding stops
// there too, so a hostile dims list cannot make us allocate terabytes.
constexpr int64_t kMaxElements = int64_t{1} << 34;

std::string Describe(const onnx::TensorProto& proto, const std::string& what) {
  if (!what.empty()) return what;
  return StrCat("tensor '", proto.name(), "'");
}

Result<Shape> DecodeShape(const onnx::TensorProto& proto, const std::string& what) {
  Shape shape;
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0) return InvalidArgument(what, " has a negative dim ", d, "; dims must be >= 0");
    if (d > 0 && count > kMaxElements / d) {
      return InvalidArgument(what, " has more than 2^34 elements (dims ",
                             ShapeToString(Shape(proto.dims().begin(), proto.dims().end())), ")");
    }
    count *= d;
    shape.push_back(d);
  }
  return shape;
}

// Copies a repeated field of `count` values, narrowing each to T (the ONNX int32_data packing of
// f16 bit patterns, i8, u8 and bool).
template <typename T, typename Field>
Status CopyTypedField(const Field& field, int64_t count, const std::string& what,
                      const char* field_name, std::vector<uint8_t>& out) {
  if (field.size() != count) {
    return InvalidArgument(what, " has ", field.size(), " values in ", field_name, " but its dims ",
                           "need ", count);
  }
  out.resize(static_cast<size_t>(count) * sizeof(T));
  for (int64_t i = 0; i < count; ++i) {
    const T value = static_cast<T>(field.Get(static_cast<int>(i)));
    std::memcpy(out.data() + i * sizeof(T), &value, sizeof(T));
  }
  return Status::Ok();
}

Status DecodeTypedData(const onnx::TensorProto& proto, DType dtype, int64_t count,
                       const std::string& what, std::vector<uint8_t>& out) {
  switch (dtype) {
    case DType::kF32:
      return CopyTypedField<float>(proto.float_data(), count, what, "float_data", out);
    case DType::kI64:
      return CopyTypedField<int64_t>(proto.int64_data(), count, what, "int64_data", out);
    case DType::kI32:
      return CopyTypedField<int32_t>(proto.int32_data(), count, what, "int32_data", out);
    case DType::kF16:
      return CopyTypedField<uint16_t>(proto.int32_data(), count, what, "int32_data", out);
    case DType::kI8:
      return CopyTypedField<int8_t>(proto.int32_data(), count, what, "int32_data", out);
    case DType::kU8:
      return CopyTypedField<uint8_t>(proto.int32_data(), count, what, "int32_data", out);
    case DType::kBool: {
      MOTA_RETURN_IF_ERROR(
          CopyTypedField<uint8_t>(proto.int32_data(), count, what, "int32_data", out));
      for (uint8_t& b : out) b = b != 0 ? 1 : 0;  // bool tensors hold exactly 0 or 1
      return Status::Ok();
    }
    case DType::kUndefined:
      break;
  }
  return Internal(what, ": no typed-field decoder for dtype ", DTypeName(dtype));
}

}  // namespace

DType DTypeFromOnnx(int32_t onnx_dtype) {
  switch (onnx_dtype) {
    case onnx::TensorProto_DataType_FLOAT:
      return DType::kF32;
    case onnx::TensorProto_DataType_FLOAT16:
      return DType::kF16;
    case onnx::TensorProto_DataType_INT8:
      return DType::kI8;
    case onnx::TensorProto_DataType_UINT8:
      return DType::kU8;
    case onnx::TensorProto_DataType_INT32:
      return DType::kI32;
    case onnx::TensorProto_DataType_INT64:
      return DType::kI64;
    case onnx::TensorProto_DataType_BOOL:
      return DType::kBool;
    default:
      return DType::kUndefined;
  }
}

int32_t DTypeToOnnx(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return onnx::TensorProto_DataType_FLOAT;
    case DType::kF16:
      return onnx::TensorProto_DataType_FLOAT16;
    case DType::kI8:
      return onnx::TensorProto_DataType_INT8;
    case DType::kU8:
      return onnx::TensorProto_DataType_UINT8;
    case DType::kI32:
      return onnx::TensorProto_DataType_INT32;
    case DType::kI64:
      return onnx::TensorProto_DataType_INT64;
    case DType::kBool:
      return onnx::TensorProto_DataType_BOOL;
    case DType::kUndefined:
      break;
  }
  return onnx::TensorProto_DataType_UNDEFINED;
}

std::string OnnxDTypeName(int32_t onnx_dtype) {
  if (onnx::TensorProto_DataType_IsValid(onnx_dtype)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(onnx_dtype));
  }
  return StrCat("dtype ", onnx_dtype);
}

Result<DecodedTensor> DecodeTensorProto(const onnx::TensorProto& proto,
                                        const std::string& what_in) {
  const std::string what = Describe(proto, what_in);
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL ||
      proto.external_data_size() > 0) {
    return Unimplemented(what, " keeps its data in an external file; mota reads self-contained ",
                         ".onnx files only: re-save the model with onnx.save_model(model, path, ",
                         "save_as_external_data=False)");
  }
  if (proto.has_segment()) {
    return Unimplemented(what,
                         " is a segment of a larger tensor; segmented tensors are not supported");
  }
  DecodedTensor out;
  out.dtype = DTypeFromOnnx(proto.data_type());
  if (out.dtype == DType::kUndefined) {
    return Unimplemented(what, " has ONNX dtype ", OnnxDTypeName(proto.data_type()),
                         "; mota holds FLOAT, FLOAT16, INT8, UINT8, INT32, INT64 and BOOL");
  }
  MOTA_ASSIGN_OR_RETURN(out.shape, DecodeShape(proto, what));
  const int64_t count = NumElements(out.shape);
  const size_t nbytes = static_cast<size_t>(count) * DTypeSize(out.dtype);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != nbytes) {
      return InvalidArgument(what, " has ", proto.raw_data().size(),
                             " bytes of raw_data but dtype ", DTypeName(out.dtype), " and dims ",
                             ShapeToString(out.shape), " need ", nbytes);
    }
    out.bytes.assign(proto.raw_data().begin(), proto.raw_data().end());
    if (out.dtype == DType::kBool) {
      for (uint8_t& b : out.bytes) b = b != 0 ? 1 : 0;
    }
    return out;
  }
  MOTA_RETURN_IF_ERROR(DecodeTypedData(proto, out.dtype, count, what, out.bytes));
  return out;
}

Result<exec::HostTensor> ReadTensorProto(const onnx::TensorProto& proto) {
  MOTA_ASSIGN_OR_RETURN(DecodedTensor decoded, DecodeTensorProto(proto));
  exec::HostTensor tensor = exec::HostTensor::Allocate(decoded.dtype, decoded.shape);
  if (tensor.dtype() == DType::kUndefined) {
    return OutOfMemory("cannot allocate ", decoded.bytes.size(), " bytes for tensor '",
                       proto.name(), "'");
  }
  if (!decoded.bytes.empty())
    std::memcpy(tensor.data(), decoded.bytes.data(), decoded.bytes.size());
  return tensor;
}

Result<exec::HostTensor> ReadTensorProtoFile(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument("'", path, "' is ", bytes.size(),
                           " bytes; a TensorProto is at most 2 GiB");
  }
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss("'", path, "' is not a serialized ONNX TensorProto (protobuf parsing failed)");
  }
  auto tensor = ReadTensorProto(proto);
  if (!tensor.ok()) return tensor.status().WithContext(StrCat("reading '", path, "'"));
  return tensor;
}

onnx::TensorProto MakeTensorProto(const std::string& name, DType dtype, const Shape& shape,
                                  const void* data) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(DTypeToOnnx(dtype));
  for (int64_t d : shape) proto.add_dims(d);
  const size_t nbytes = static_cast<size_t>(NumElements(shape)) * DTypeSize(dtype);
  proto.set_raw_data(static_cast<const char*>(data), nbytes);
  return proto;
}

}  // namespace mota::converter
