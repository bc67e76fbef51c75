// mota_tensor_*: caller-created tensors and the accessors shared with a model's inputs/outputs.
#include <cstring>

#include "api/handles.h"
#include "exec/npy.h"

namespace mota::api {
namespace {

// Sizes past this are refused before multiplying (keeps numel * 8 inside size_t and int64).
constexpr int64_t kMaxElements = int64_t{1} << 56;

bool KnownShape(const Shape& dims) {
  for (int64_t d : dims) {
    if (d < 0) return false;
  }
  return true;
}

std::string Describe(const mota_tensor_t& t) {
  return StrCat(t.name.empty() ? "tensor" : "tensor '" + t.name + "'", " (", DTypeName(t.dtype),
                " ", ShapeToString(t.dims), ")");
}

Status CheckCreateArgs(mota_dtype_t dtype, const int64_t* dims, size_t rank) {
  if (dtype == MOTA_DTYPE_UNDEFINED || !IsValidDType(static_cast<uint32_t>(dtype))) {
    return InvalidArgument("mota_tensor_create: dtype is ", static_cast<int>(dtype),
                           ", expected one of MOTA_DTYPE_F32 (1) .. MOTA_DTYPE_BOOL (7)");
  }
  if (rank > MOTA_MAX_RANK) {
    return InvalidArgument("mota_tensor_create: rank is ", rank, ", expected at most ",
                           MOTA_MAX_RANK);
  }
  if (rank > 0 && dims == nullptr) {
    return InvalidArgument("mota_tensor_create: dims is NULL with rank ", rank);
  }
  for (size_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) {
      return InvalidArgument("mota_tensor_create: dims[", i, "] is ", dims[i], ", expected >= 0");
    }
  }
  return Status::Ok();
}

// Sets the thread's error for accessors that cannot return a status.
void NullTensor(const char* function) { ThreadError().Set(StrCat(function, ": tensor is NULL")); }

}  // namespace

Status AllocateTensor(mota_tensor_t& t, Shape dims, const std::string& what) {
  const int64_t count = NumElements(dims);
  if (count < 0 || count > kMaxElements) {
    return InvalidArgument(what, ": shape ", ShapeToString(dims),
                           " has too many elements (at most ", kMaxElements, ")");
  }
  exec::HostTensor buffer = exec::HostTensor::Allocate(t.dtype, dims);
  if (buffer.dtype() == DType::kUndefined) {
    return OutOfMemory(what, ": cannot allocate ", count * static_cast<int64_t>(DTypeSize(t.dtype)),
                       " bytes for shape ", ShapeToString(dims));
  }
  t.dims = std::move(dims);
  t.buffer = std::move(buffer);
  return Status::Ok();
}

}  // namespace mota::api

using mota::api::Report;
using mota::api::ThreadError;

extern "C" {

const char* mota_dtype_name(mota_dtype_t dtype) {
  if (!mota::IsValidDType(static_cast<uint32_t>(dtype))) return "undefined";
  return mota::DTypeName(static_cast<mota::DType>(dtype));
}

size_t mota_dtype_size(mota_dtype_t dtype) {
  if (!mota::IsValidDType(static_cast<uint32_t>(dtype))) return 0;
  return mota::DTypeSize(static_cast<mota::DType>(dtype));
}

mota_status_t mota_tensor_create(mota_dtype_t dtype, const int64_t* dims, size_t rank,
                                 mota_tensor_t** out_tensor) {
  if (out_tensor == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_create: out_tensor is NULL"));
  }
  *out_tensor = nullptr;
  mota::Status st = mota::api::CheckCreateArgs(dtype, dims, rank);
  if (!st.ok()) return Report(st);
  auto t = std::make_unique<mota_tensor_t>();
  t->dtype = static_cast<mota::DType>(dtype);
  st = mota::api::AllocateTensor(*t, mota::Shape(dims, dims + rank), "mota_tensor_create");
  if (!st.ok()) return Report(st);
  *out_tensor = t.release();
  return Report(mota::Status::Ok());
}

mota_status_t mota_tensor_create_from_npy(const char* path, mota_tensor_t** out_tensor) {
  if (out_tensor == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_create_from_npy: out_tensor is NULL"));
  }
  *out_tensor = nullptr;
  if (path == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_create_from_npy: path is NULL"));
  }
  mota::Result<mota::exec::HostTensor> read = mota::exec::ReadNpy(path);
  if (!read.ok()) return Report(read.status());
  auto t = std::make_unique<mota_tensor_t>();
  t->dtype = read->dtype();
  t->dims = read->shape();
  t->buffer = std::move(read).value();
  *out_tensor = t.release();
  return Report(mota::Status::Ok());
}

void mota_tensor_destroy(mota_tensor_t* tensor) {
  // A model's tensors live inside the model: deleting one would corrupt it.
  if (tensor != nullptr && tensor->role == mota::api::TensorRole::kUser) delete tensor;
}

mota_dtype_t mota_tensor_dtype(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_dtype");
    return MOTA_DTYPE_UNDEFINED;
  }
  return static_cast<mota_dtype_t>(tensor->dtype);
}

size_t mota_tensor_rank(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_rank");
    return 0;
  }
  return tensor->dims.size();
}

const int64_t* mota_tensor_dims(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_dims");
    return nullptr;
  }
  return tensor->dims.empty() ? nullptr : tensor->dims.data();
}

int64_t mota_tensor_dim(const mota_tensor_t* tensor, size_t axis) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_dim");
    return -1;
  }
  if (axis >= tensor->dims.size()) {
    ThreadError().Set(mota::StrCat("mota_tensor_dim: axis ", axis, " is out of range for rank ",
                                   tensor->dims.size()));
    return -1;
  }
  return tensor->dims[axis];
}

size_t mota_tensor_element_count(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_element_count");
    return 0;
  }
  if (!mota::api::KnownShape(tensor->dims)) return 0;
  return static_cast<size_t>(mota::NumElements(tensor->dims));
}

size_t mota_tensor_byte_size(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_byte_size");
    return 0;
  }
  return tensor->has_data() ? tensor->buffer.nbytes() : 0;
}

const void* mota_tensor_data(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_data");
    return nullptr;
  }
  if (!tensor->has_data() || tensor->buffer.nbytes() == 0) return nullptr;
  return tensor->buffer.data();
}

void* mota_tensor_mutable_data(mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_mutable_data");
    return nullptr;
  }
  if (tensor->role == mota::api::TensorRole::kModelOutput) {
    ThreadError().Set("mota_tensor_mutable_data: " + mota::api::Describe(*tensor) +
                      " is a model output, read-only: use mota_tensor_data");
    return nullptr;
  }
  if (!tensor->has_data() || tensor->buffer.nbytes() == 0) return nullptr;
  return tensor->buffer.data();
}

const char* mota_tensor_name(const mota_tensor_t* tensor) {
  if (tensor == nullptr) {
    mota::api::NullTensor("mota_tensor_name");
    return "";
  }
  return tensor->name.c_str();
}

mota_status_t mota_tensor_copy_from_buffer(mota_tensor_t* tensor, const void* data, size_t size) {
  if (tensor == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_copy_from_buffer: tensor is NULL"));
  }
  if (tensor->role == mota::api::TensorRole::kModelOutput) {
    return Report(
        mota::FailedPrecondition("mota_tensor_copy_from_buffer: ", mota::api::Describe(*tensor),
                                 " is a model output, read-only"));
  }
  if (!tensor->has_data()) {
    return Report(mota::FailedPrecondition(
        "mota_tensor_copy_from_buffer: ", mota::api::Describe(*tensor),
        " has dims not known yet: call mota_model_resize_input or mota_model_set_input first"));
  }
  if (size != tensor->buffer.nbytes()) {
    return Report(mota::InvalidArgument("mota_tensor_copy_from_buffer: size is ", size, " bytes, ",
                                        mota::api::Describe(*tensor), " holds ",
                                        tensor->buffer.nbytes()));
  }
  if (size > 0 && data == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_copy_from_buffer: data is NULL"));
  }
  if (size > 0) std::memcpy(tensor->buffer.data(), data, size);
  return Report(mota::Status::Ok());
}

mota_status_t mota_tensor_copy_to_buffer(const mota_tensor_t* tensor, void* data, size_t size) {
  if (tensor == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_copy_to_buffer: tensor is NULL"));
  }
  const size_t have = tensor->has_data() ? tensor->buffer.nbytes() : 0;
  if (size != have) {
    return Report(mota::InvalidArgument("mota_tensor_copy_to_buffer: size is ", size, " bytes, ",
                                        mota::api::Describe(*tensor), " holds ", have));
  }
  if (size > 0 && data == nullptr) {
    return Report(mota::InvalidArgument("mota_tensor_copy_to_buffer: data is NULL"));
  }
  if (size > 0) std::memcpy(data, tensor->buffer.data(), size);
  return Report(mota::Status::Ok());
}

}  // extern "C"
