// DwGeometry's derived fields (dw_vnni.h); baseline ISA.
#include <algorithm>

#include "exec/cpu/int8_dw/dw_vnni.h"

namespace mota::exec::int8_dw {
namespace {

int64_t RoundUp16(int64_t v) { return (v + kLanes - 1) / kLanes * kLanes; }

}  // namespace

void FinishGeometry(DwGeometry& g) {
  g.rows = (g.oh - 1) * g.sh + g.kh;
  g.groups = static_cast<int>((g.kw + 3) / 4);
  g.phases = 0;
  int64_t max_off = 0;
  for (int gr = 0; gr < g.groups; ++gr) {
    const int p = static_cast<int>((4 * gr) % g.sw);
    int index = 0;
    while (index < g.phases && g.phase_of[index] != p) ++index;
    if (index == g.phases) g.phase_of[g.phases++] = p;
    g.group_phase[gr] = index;
    g.group_off[gr] = 4 * gr / g.sw;
    max_off = std::max(max_off, g.group_off[gr]);
  }
  // Vectors of 16 output columns read dwords up to RoundUp16(ow) - 1 + max_off.
  g.ecols = RoundUp16(RoundUp16(g.ow) + max_off);
  g.used_h = std::clamp<int64_t>(g.rows - g.pt, 0, g.h);
}

std::vector<DwWindow> MakeWindows(const DwGeometry& g) {
  std::vector<DwWindow> windows;
  for (int ph = 0; ph < g.phases; ++ph) {
    for (int64_t c = 0; c < g.ecols; c += kLanes) {
      DwWindow win;
      win.start = g.sw * c + g.phase_of[ph] - g.pl;
      for (int64_t t = 0; t < 64; ++t) {
        if (win.start + t >= 0 && win.start + t < g.w) win.mask |= uint64_t{1} << t;
      }
      win.dst = ph * g.ecols + c;
      windows.push_back(win);
    }
  }
  return windows;
}

}  // namespace mota::exec::int8_dw
