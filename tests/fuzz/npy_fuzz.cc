// The .npy reader (client_runtime/src/exec/npy.h): self-test vectors arrive as .npy blobs.
// Beyond "no crash": a tensor that parses serializes to a file that parses to the same tensor.
#include <cstring>
#include <string>

#include "exec/npy.h"
#include "fuzz_target.h"

namespace {

int Run(const uint8_t* data, size_t size) {
  mota::Result<mota::exec::HostTensor> tensor = mota::exec::ParseNpy({data, size}, "fuzz.npy");
  if (!tensor.ok()) return 0;
  const mota::exec::HostTensor& t = tensor.value();
  auto bytes = mota::exec::SerializeNpy(t.view());
  MOTA_FUZZ_CHECK(bytes.ok(), bytes.status().ToString());
  auto again = mota::exec::ParseNpy(bytes.value(), "serialized");
  MOTA_FUZZ_CHECK(again.ok(), again.status().ToString());
  const mota::exec::HostTensor& u = again.value();
  MOTA_FUZZ_CHECK(u.dtype() == t.dtype() && u.shape() == t.shape() && u.nbytes() == t.nbytes(),
                  "dtype, shape or size changed in a round trip");
  MOTA_FUZZ_CHECK(t.nbytes() == 0 || std::memcmp(u.data(), t.data(), t.nbytes()) == 0,
                  "data changed in a round trip");
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("npy", Run)
