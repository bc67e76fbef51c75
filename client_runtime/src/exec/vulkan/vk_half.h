// Bulk f32 <-> fp16 conversion for the fp16 path's weights (millions of values per Prepare) and
// its uploads and downloads: F16C on x86-64 CPUs that have it (checked at run time), the
// portable base/dtype.h conversion elsewhere. Round to nearest even either way.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mota::exec::vk {

void FloatsToHalves(const float* in, uint16_t* out, size_t n);
void HalvesToFloats(const uint16_t* in, float* out, size_t n);

}  // namespace mota::exec::vk
