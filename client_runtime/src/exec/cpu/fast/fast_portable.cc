// The fast leaf routines for the baseline ISA (SSE2 on x86-64, NEON on ARM64): 4-lane vectors,
// a 6 x 8 GEMM register tile (12 accumulators of the 16 / 32 vector registers). Also the
// run-time choice of the best table.
#define MOTA_FAST_NS portable
#define MOTA_FAST_VEC_BYTES 16
#define MOTA_FAST_GEMM_MR 6
#define MOTA_FAST_GEMM_NV 2
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/fast/fast_impl.h"

MOTA_FAST_DEFINE_TABLE(PortableTable, "portable")

namespace mota::exec::fast {

int AvailableTables(const Table** out, int capacity) {
  int n = 0;
  auto add = [&](const Table& t) {
    if (n < capacity) out[n++] = &t;
  };
#if defined(__x86_64__)
  const CpuFeatures& cpu = GetCpuFeatures();
  if (cpu.avx512) add(Avx512Table());
  if (cpu.avx2) add(Avx2Table());
#endif
  add(PortableTable());
  return n;
}

const Table& FastTable() {
  static const Table* best = [] {
    const Table* tables[3];
    AvailableTables(tables, 3);
    return tables[0];
  }();
  return *best;
}

}  // namespace mota::exec::fast
