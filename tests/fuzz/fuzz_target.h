// One fuzz entry point per parser of untrusted bytes, written once and built two ways:
//
//  - MOTA_LIBFUZZER (clang, MOTA_FUZZ=ON, cmake mota_fuzz()): MOTA_FUZZ_TARGET defines
//    LLVMFuzzerTestOneInput, so the file is a libFuzzer binary (scripts/fuzz.sh runs them).
//  - otherwise (the ordinary gcc suite): MOTA_FUZZ_TARGET registers the entry under its name and
//    replay_test.cc runs every registered target over its seed corpus and saved regressions.
//
// An entry returns 0 for any input. Parsers must turn bad bytes into a Status; what the entry
// checks beyond "no crash" (round trips, fixed points) fails through MOTA_FUZZ_CHECK, which
// prints the rule and aborts, so libFuzzer keeps the input and the replay test fails.
//
//   namespace { int Run(const uint8_t* data, size_t size) { ...; return 0; } }
//   MOTA_FUZZ_TARGET("npy", Run)
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mota::fuzz {

using Entry = int (*)(const uint8_t* data, size_t size);

struct Target {
  std::string name;
  Entry entry;
};
// GoogleTest prints a parameter with this (test listings then show the target's name, not bytes).
inline void PrintTo(const Target& target, std::ostream* os) { *os << target.name; }

// Replay builds: the registered targets, in registration order.
bool Register(const char* name, Entry entry);
const std::vector<Target>& Targets();

// Prints "FUZZ CHECK FAILED file:line: condition: detail" to stderr and aborts.
[[noreturn]] void Fail(const char* file, int line, const char* condition, std::string_view detail);

}  // namespace mota::fuzz

#define MOTA_FUZZ_CHECK(condition, detail)                                          \
  do {                                                                              \
    if (!(condition)) ::mota::fuzz::Fail(__FILE__, __LINE__, #condition, (detail)); \
  } while (0)

#ifdef MOTA_LIBFUZZER
#define MOTA_FUZZ_TARGET(name, fn) \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return fn(data, size); }
#else
#define MOTA_FUZZ_TARGET(name, fn) \
  [[maybe_unused]] static const bool mota_fuzz_registered_ = ::mota::fuzz::Register(name, fn);
#endif
