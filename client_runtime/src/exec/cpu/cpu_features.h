// What the CPU we run on can do, detected once at run time, so that kernels compiled for
// several ISAs (files named *_avx2.cc, *_avx512.cc get those -m flags) pick the best one here.
#pragma once

#include <string>

namespace mota::exec {

struct CpuFeatures {
  bool x86_64 = false;
  bool avx2 = false;         // with FMA and F16C
  bool avx512 = false;       // F, BW, DQ, VL
  bool avx512_vnni = false;
  bool avx_vnni = false;
  bool arm64 = false;
  bool neon_dotprod = false;
  int logical_cores = 1;

  std::string ToString() const;  // "x86_64 avx2 avx512 avx512_vnni, 2 cores"
};

// Detected once; thread-safe. MOTA_CPU_DISABLE=avx512,avx2 turns features off (for tests of the
// portable paths and for A/B measurements).
const CpuFeatures& GetCpuFeatures();

}  // namespace mota::exec
