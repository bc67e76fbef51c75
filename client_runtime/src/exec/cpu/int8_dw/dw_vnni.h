// Depthwise int8 convolution on AVX512-VNNI: 4 horizontal taps per vpdpbusd (u8 activations x s8
// weights, one output column per i32 lane). The layout stays NCHW (the int8 chains' layout), so
// no conversion is needed anywhere. With padded rows (i8 codes flipped to u8 by + 128, padding =
// the x zero point's code), the taps kx = 4g .. 4g + 3 of output column ox in one kernel row are
// the bytes padded[row][sw * ox + 4g .. + 3]; vpermb gathers them into dwords once per image row
// (the expanded rows, DwGeometry), so that every 16 output columns x 4 taps are one load and one
// vpdpbusd (taps past kw have weight 0). Output rows go in pairs, each expanded row loaded once
// for both: loads, not multiplications, bound the kernel on the CPUs measured.
//
// The sums are exact i32: sum(x_u8 * w') - x_zp_u8 * sum(w') (w' = w - w_zp, checked to fit s8)
// equals the reference's sum((x - x_zp) * (w - w_zp)) because padding holds x_zp. Requantization
// is Requantizer::Apply's f32 arithmetic, so outputs are bit-identical to the reference kernels.
//
// This header is the leaf interface between the node-level prepared kernel (qlinear_dw_vnni.cc,
// baseline ISA) and the AVX-512 routines (dw_vnni_avx512.cc): raw pointers and plain structs.
#pragma once

#include <cstdint>
#include <vector>

namespace mota::exec::int8_dw {

constexpr int kLanes = 16;      // output columns per vector
constexpr int kMaxGroups = 4;   // kw <= 16: at most 4 dwords of taps per kernel row
constexpr int kMaxStrideW = 4;  // vpermb reaches 64 bytes: sw * 15 + 3 < 64

// Geometry of one plane, how it is padded and expanded. Padded row r (r < rows) is image row
// r - pt with pl pad codes before it, or all pad codes outside the image. The expanded plane
// holds, for each padded row r and each phase p used, the dwords
// E[r][p][c] = padded[r][sw * c + p .. + 3]: the 4 taps kx = 4g .. 4g + 3 of output column ox are
// E[row][(4g) % sw][ox + 4g / sw], so a vector of 16 output columns reads 16 consecutive dwords
// (built once per padded row with one vpermb per 16 dwords, then shared by the kh output rows
// and the tap groups that read the row). Rows of padding are one shared row of pad dwords.
struct DwGeometry {
  int64_t h = 0, w = 0;    // input plane
  int64_t oh = 0, ow = 0;  // output plane
  int64_t kh = 0, kw = 0, sh = 1, sw = 1, pt = 0, pl = 0;
  bool x_i8 = false;  // x holds i8 codes (flipped to u8 by xor 0x80)
  uint8_t pad = 0;    // the x zero point as a u8 code (after the flip)
  // Derived (FinishGeometry):
  int64_t rows = 0;    // padded rows read: (oh - 1) * sh + kh
  int64_t used_h = 0;  // image rows read: rows 0 .. used_h - 1 (padded rows pt .. pt + used_h - 1)
  int groups = 1;      // dwords of taps per kernel row: ceil(kw / 4)
  int phases = 1;      // phases of the expanded rows (only those some group reads)
  int phase_of[4] = {};                // phase p of each expanded phase
  int group_phase[kMaxGroups] = {};    // index (into phase_of) of group g's phase
  int64_t group_off[kMaxGroups] = {};  // dword offset of group g: 4g / sw
  int64_t ecols = 0;                   // dwords of one expanded phase row (a multiple of 16)
  int64_t row_dwords() const { return phases * ecols; }
  int64_t expanded_dwords() const { return used_h * row_dwords(); }  // per plane
};

// Fills the derived fields of `geom` from the others.
void FinishGeometry(DwGeometry& geom);

// One 64-byte window of a padded row, expanded into 16 dwords of the row: padded bytes
// sw * c + p .. + 63 are image columns start .. start + 63 where `mask` has their bit (the
// others are padding), and they become dwords dst .. dst + 15 of the expanded row.
struct DwWindow {
  int64_t start = 0;
  uint64_t mask = 0;
  int64_t dst = 0;
};
// Every window of an expanded row (phases * ecols / 16), the same for every row.
std::vector<DwWindow> MakeWindows(const DwGeometry& geom);

// One output channel: its packed weights (kh * groups dwords, 4 s8 taps each, row-major) and the
// constants of its integer requantization.
struct DwChannel {
  const int32_t* weights = nullptr;
  int32_t add = 0;     // bias - x_zp_u8 * sum(w')
  float mult = 1.0f;   // (x_scale * w_scale) / y_scale, as Requantizer::Apply computes it
  bool small = false;  // |float(acc) * mult| < 2^30 for every possible acc: no clamp needed
};

// Integer requantization of y: clamp(round_half_even(float(acc + add) * mult) + zp, lo, hi).
struct DwOut {
  int32_t zero_point = 0, lo = 0, hi = 255;
};

// The AVX-512 routines (dw_vnni_avx512.cc). Call only where VnniDwSupported().
bool VnniDwSupported();
// expanded (g.expanded_dwords()) = the expanded image rows of plane `x` (h x w codes): each
// window a masked load of the image row (never reading outside it), pad codes blended in, one
// vpermb; no padded copy in memory, whose loads would wait on the stores just made.
void ExpandPlaneVnni(const DwGeometry& g, const DwWindow* windows, int nwindows, const uint8_t* x,
                     int32_t* expanded);
// y (oh x ow codes, i8 or u8 as DwOut's range says) from the expanded rows: rows[r] is padded
// row r's (g.rows pointers; rows of padding point at a row of pad dwords).
void ConvPlaneVnni(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
                   const DwOut& out, uint8_t* y);
// acc (oh x ow) = the exact sums plus c.add (no requantization): for real-domain activations.
void AccPlaneVnni(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
                  int32_t* acc);

}  // namespace mota::exec::int8_dw
