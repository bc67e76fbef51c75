#include "fuzz_target.h"

#include <cstdio>
#include <cstdlib>

namespace mota::fuzz {
namespace {

std::vector<Target>& Registry() {
  static std::vector<Target> targets;  // built before main by the static registrations
  return targets;
}

}  // namespace

bool Register(const char* name, Entry entry) {
  Registry().push_back({name, entry});
  return true;
}

const std::vector<Target>& Targets() { return Registry(); }

void Fail(const char* file, int line, const char* condition, std::string_view detail) {
  std::fprintf(stderr, "FUZZ CHECK FAILED %s:%d: %s: %.*s\n", file, line, condition,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace mota::fuzz
