// The fast leaf routines for AVX2 + FMA (built with -mavx2 -mfma; used only when the CPU has
// them): 8-lane vectors, a 6 x 16 GEMM register tile (12 ymm accumulators).
#define MOTA_FAST_NS avx2
#define MOTA_FAST_VEC_BYTES 32
#define MOTA_FAST_GEMM_MR 6
#define MOTA_FAST_GEMM_NV 2
#include "exec/cpu/fast/fast_impl.h"

MOTA_FAST_DEFINE_TABLE(Avx2Table, "avx2")
