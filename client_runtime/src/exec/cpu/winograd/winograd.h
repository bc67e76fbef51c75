// Winograd F(4x4, 3x3) and F(2x2, 3x3) convolution on NHWC activations: internal interface of
// exec/cpu/winograd/.
//
// A 3x3 stride-1 convolution is computed per 6x6 (4x4) input tile d (overlapping by 2) as
//   Y = A^T [ U ⊙ (B^T d B) ] A,   U = G g G^T  (Lavin & Gray, "Fast Algorithms for CNNs")
// which needs 36 (16) multiplications per 4x4 (2x2) outputs and channel pair instead of 144 (36).
// Summed over input channels, the element-wise product becomes one GEMM per transform position:
//   M[pos] (tiles x C_out) = V[pos] (tiles x C_in) * U[pos] (C_in x C_out)
// and the GEMMs are where the time goes. A run processes tiles in blocks (so that V and M stay in
// L2): input transform -> 36 GEMMs -> output transform (+ bias + fused activation) per block.
//
// The three steps exist per ISA (winograd_impl.h instantiated by winograd_avx512.cc,
// winograd_avx2.cc and winograd_portable.cc); tests run each ISA directly through CreateKernel.
#pragma once

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "exec/activation.h"
#include "exec/cpu/kernels.h"

namespace mota::exec::winograd {

// Output tile side 4 (F(4x4, 3x3): 36 positions, U = 4x the weights) or 2 (F(2x2, 3x3): 16
// positions, U = 1.8x the weights, 1.8x more multiplications than F(4x4)).
inline constexpr int Positions(int tile) { return (tile + 2) * (tile + 2); }
inline constexpr int64_t kChannelPad = 16;  // C_out is padded to this in U and M

enum class Isa { kPortable, kAvx2, kAvx512 };
const char* IsaName(Isa isa);
// True when this build has the ISA's code and the CPU (GetCpuFeatures) can run it.
bool IsaAvailable(Isa isa);
Isa BestIsa();

// One convolution problem (NHWC input [batch, in_h, in_w, channels], output
// [batch, out_h, out_w, filters]); out = in + pad_begin + pad_end - 2 per spatial dim.
struct ConvShape {
  int64_t batch = 1;
  int64_t channels = 0;  // C_in
  int64_t filters = 0;   // C_out
  int64_t in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t pad_top = 0, pad_left = 0;
};

// What the per-ISA steps read: fixed at creation.
struct Plan {
  ConvShape s;
  int tile = 4;       // output tile side
  int positions = 0;  // Positions(tile)
  int64_t tiles_y = 0, tiles_x = 0;
  int64_t tiles = 0;  // over the whole batch
  int64_t cpad = 0;   // C_out rounded up to kChannelPad
  int64_t nr = 0;     // GEMM panel width (columns of U per panel), a multiple of kChannelPad
  int64_t panels = 0;
  const float* u = nullptr;     // [positions][panels][C_in][panel width]
  const float* bias = nullptr;  // [cpad], zeros past C_out
  Activation act;
  bool clamp = false;  // act is applied as min(max(x, lo), hi) inside the output transform
  float lo = 0.0f, hi = 0.0f;
};

// One block of tiles [t_begin, t_begin + count) of one run.
struct Block {
  const float* x = nullptr;  // NHWC input
  float* y = nullptr;        // NHWC output
  float* v = nullptr;        // [positions][count][C_in]
  float* m = nullptr;        // [positions][count][cpad]
  int64_t t_begin = 0;
  int64_t count = 0;
};

// The three steps for one ISA; each works on a sub-range so that callers can thread them.
struct Ops {
  int tile;    // output tile side these steps are for
  int64_t nr;  // panel width the GEMM wants
  void (*input)(const Plan& p, const Block& b, int64_t t0, int64_t t1);   // tiles of the block
  void (*gemm)(const Plan& p, const Block& b, int64_t i0, int64_t i1);    // pos * panels + panel
  void (*output)(const Plan& p, const Block& b, int64_t t0, int64_t t1);  // tiles of the block
};
const Ops& PortableOps(int tile);  // tile 2 or 4
#if defined(__x86_64__)
const Ops& Avx2Ops(int tile);
const Ops& Avx512Ops(int tile);
#endif

struct KernelOptions {
  Isa isa = Isa::kPortable;
  int tile = 4;                 // 4: F(4x4, 3x3); 2: F(2x2, 3x3)
  int64_t tiles_per_block = 0;  // 0: chosen from the channel counts (L2-sized blocks)
};

// Transforms and packs the weights [filters, channels, 3, 3] (and bias [filters], may be null).
// An error when the ISA is not available or memory runs out.
Result<std::unique_ptr<NhwcKernel>> CreateKernel(const ConvShape& shape, const float* weights,
                                                 const float* bias, const Activation& act,
                                                 const KernelOptions& options);

// The tile side expected to beat a direct convolution here (4 or 2), 0 for none (README.md).
int ChooseTile(const ConvShape& shape);

}  // namespace mota::exec::winograd
