// Regenerates manifests/golden/{valid,invalid}/ (run on purpose when the format changes):
//   build/tests/format/mota_make_golden manifests/golden
#include <cstdio>
#include <string>

#include "base/file.h"
#include "tests/format/golden.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s GOLDEN_DIR (e.g. manifests/golden)\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto valid = mota::golden::BuildValid();
  auto invalid = mota::golden::BuildInvalid();
  if (!valid.ok() || !invalid.ok()) {
    std::fprintf(stderr, "%s\n", (valid.ok() ? invalid.status() : valid.status()).ToString().c_str());
    return 1;
  }
  std::string readme =
      "# Invalid .mota files\n\nEach must fail to load with an error containing the text given.\n"
      "Regenerate with `build/tests/format/mota_make_golden manifests/golden`.\n\n"
      "| file | what is wrong | expected error contains |\n|---|---|---|\n";
  for (const auto& f : *valid) {
    if (!mota::WriteFileAtomic(dir + "/valid/" + f.name, f.bytes).ok()) return 1;
  }
  for (const auto& f : *invalid) {
    if (!mota::WriteFileAtomic(dir + "/invalid/" + f.name, f.bytes).ok()) return 1;
    readme += "| " + f.name + " | " + f.description + " | `" + f.expected_error + "` |\n";
  }
  if (!mota::WriteFileAtomic(dir + "/invalid/README.md", readme).ok()) return 1;
  std::printf("wrote %zu valid and %zu invalid files to %s\n", valid->size(), invalid->size(), dir.c_str());
  return 0;
}
