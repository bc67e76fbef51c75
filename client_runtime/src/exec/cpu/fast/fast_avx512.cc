// The fast leaf routines for AVX-512 (built with -mavx512f ...; used only when the CPU has it):
// 16-lane vectors, an 8 x 32 GEMM register tile (16 zmm accumulators).
#define MOTA_FAST_NS avx512
#define MOTA_FAST_VEC_BYTES 64
#define MOTA_FAST_GEMM_MR 8
#define MOTA_FAST_GEMM_NV 2
#include "exec/cpu/fast/fast_impl.h"

MOTA_FAST_DEFINE_TABLE(Avx512Table, "avx512")
