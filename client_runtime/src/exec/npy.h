// numpy's .npy format: how tensors travel on the command line (`mota run --input x=x.npy`),
// in self-test vectors and in test fixtures.
//
// Supported: format versions 1.0, 2.0 and 3.0; C order; little-endian (or byte-order-free)
// element types that map onto mota dtypes:
//
//   '<f4' f32   '<f2' f16   '|i1' i8   '|u1' u8   '<i4' i32   '<i8' i64   '|b1' bool
//
// Anything else (Fortran order, big-endian data, float64, object arrays, a truncated or
// oversized payload, a malformed header) is an INVALID_ARGUMENT / DATA_LOSS error that says
// what the file holds and what was expected; the parser never reads outside the given bytes.
//
// Writing always produces version 1.0 (2.0 only when the header does not fit in 64 KiB), the
// header padded so that the data starts on a 64-byte boundary, exactly as numpy.save does.
//
// Usage:
//   MOTA_ASSIGN_OR_RETURN(exec::HostTensor x, exec::ReadNpy("x.npy"));
//   MOTA_RETURN_IF_ERROR(exec::WriteNpy("y.npy", y.view()));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "exec/tensor.h"

namespace mota::exec {

// The numpy type string written for `dtype` ("<f4", "|b1", ...); empty for kUndefined.
std::string NpyDescr(DType dtype);

// Parses a whole .npy image. `source` names it in error messages (usually the path).
Result<HostTensor> ParseNpy(std::span<const uint8_t> bytes, std::string_view source = "npy data");
// Reads and parses a .npy file; errors name the path.
Result<HostTensor> ReadNpy(const std::string& path);

// Serializes a dense tensor (data must be non-null unless it has no elements).
Result<std::vector<uint8_t>> SerializeNpy(const TensorView& tensor);
// Serializes and writes atomically.
Status WriteNpy(const std::string& path, const TensorView& tensor);

}  // namespace mota::exec
