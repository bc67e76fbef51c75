// mota's fast f32 GEMM: Goto-style cache blocking (B blocks of kc x nc packed into nr-column
// panels, A blocks of mc x kc packed into mr-row panels) around the register-tile micro-kernel of
// the best fast table (fast_table.h: 8x32 AVX-512, 6x16 AVX2, 6x8 portable).
//
// Same argument conventions as the reference GemmArgs (exec/reference/gemm_util.h):
//   C = alpha * op(A) * op(B) + beta * C, with beta == 0 overwriting C (NaN in C does not leak).
#pragma once

#include "base/thread_pool.h"
#include "exec/cpu/fast/fast_table.h"
#include "exec/reference/gemm_util.h"

namespace mota::exec::fast {

// On the calling thread, with the given table (tests pass each available one).
void Gemm(const Table& table, const GemmArgs& args);

// Splits C into column (or row) blocks over `pool` (serial when null or the GEMM is small). Must
// not be called from inside a ParallelFor task.
void GemmParallel(ThreadPool* pool, const GemmArgs& args);

}  // namespace mota::exec::fast
