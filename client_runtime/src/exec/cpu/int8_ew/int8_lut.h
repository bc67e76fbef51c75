// 256-entry byte table lookups, dst[i] = table[src[i]]: QLinearConcat's requantization of an input
// whose scale or zero point differs from the output's (the table maps every code). AVX-512 VBMI
// (vpermi2b: 64 lookups in 2 permutes and a blend) where the CPU has it, else a plain loop.
#pragma once

#include <cstdint>

namespace mota::exec::int8_ew {

using LutFn = void (*)(const uint8_t* table, const uint8_t* src, int64_t n, uint8_t* dst);

void LutPortable(const uint8_t* table, const uint8_t* src, int64_t n, uint8_t* dst);
#if defined(__x86_64__)
// Call only when LutVbmiSupported().
void LutVbmi(const uint8_t* table, const uint8_t* src, int64_t n, uint8_t* dst);
// AVX-512 (GetCpuFeatures(), so MOTA_CPU_DISABLE=avx512 turns it off) and AVX512-VBMI.
bool LutVbmiSupported();
#endif
// The best variant this CPU runs.
LutFn BestLut();

}  // namespace mota::exec::int8_ew
