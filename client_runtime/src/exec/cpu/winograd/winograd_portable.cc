// Portable instantiation of the Winograd steps on 4-float GCC/Clang vectors (SSE2 on x86-64,
// NEON on ARM64). ARM64 has 32 vector registers: a 6 x 16 GEMM block (24 accumulators);
// elsewhere 3 x 16 so that SSE2's 16 registers hold the block.
#include <cstring>

#include "exec/cpu/winograd/winograd_impl.h"

namespace mota::exec::winograd {
namespace {

struct Portable {
  typedef float V __attribute__((vector_size(16)));
  static constexpr int kLanes = 4;
#if defined(__aarch64__)
  static constexpr int kMr = 6;
#else
  static constexpr int kMr = 3;
#endif
  static constexpr int kNv = 4;
  static V Load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  static void Store(float* p, V v) { std::memcpy(p, &v, sizeof(v)); }
  static V Set1(float x) { return V{x, x, x, x}; }
  static V Fma(V a, V b, V c) { return a * b + c; }
  static V Max(V a, V b) { return a < b ? b : a; }
  static V Min(V a, V b) { return b < a ? b : a; }
};

}  // namespace

const Ops& PortableOps(int tile) {
  return tile == 2 ? Steps<Portable, 2>::Get() : Steps<Portable, 4>::Get();
}

}  // namespace mota::exec::winograd
