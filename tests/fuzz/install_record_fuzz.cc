// The device's install records (client_runtime/src/delivery/install/install_store.h): active.json
// and bad_variants.json, persisted on the device, so a torn write, a flipped bit or a full disk
// may leave any bytes there. The input up to its first NUL byte is active.json, the rest (when
// there is a NUL) bad_variants.json; both are written into a scratch store and opened.
// Beyond "no crash": Open succeeds or returns DATA_LOSS naming the record's path (the device then
// tells the user to reinstall, never runs a half-read record); a record that loads gives backend
// options whose tuning text (VulkanTuningText) reads back as its vulkan_params, only plain file
// names, and reads back the same after the store rewrites it (params.vulkan_params included).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "delivery/install/install_store.h"
#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;
namespace install = mota::install;

// A scratch store per process, in memory where there is /dev/shm (on disk every input's writes
// cost ~4 ms: 250 inputs/s instead of ~9,000), removed at exit.
struct Scratch {
  fs::path root;
  Scratch() {
    std::error_code ec;
    const fs::path base =
        fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    root = base / ("mota-fuzz-install-" + std::to_string(::getpid()));
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

const fs::path& Root() {
  static const Scratch scratch;
  return scratch.root;
}

void Put(const fs::path& path, std::string_view bytes, bool present) {
  std::error_code ec;
  if (!present) {
    fs::remove(path, ec);
    return;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// VulkanTuningText read back: "family:" or "family:name=value" items, comma-separated.
using ParamMap = std::map<std::string, std::map<std::string, int64_t>>;
ParamMap ReadTuningText(std::string_view text) {
  ParamMap out;
  while (!text.empty()) {
    const std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    const size_t colon = item.find(':'), eq = item.find('=');
    if (colon == std::string_view::npos) return {{"unparsable item", {}}};
    std::map<std::string, int64_t>& family = out[std::string(item.substr(0, colon))];
    if (colon + 1 == item.size()) continue;  // a bare "family:": an empty entry
    if (eq == std::string_view::npos || eq < colon) return {{"unparsable item", {}}};
    int64_t value = 0;
    const std::string_view digits = item.substr(eq + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size()) return {{"bad value", {}}};
    family[std::string(item.substr(colon + 1, eq - colon - 1))] = value;
  }
  return out;
}

void CheckLoaded(const std::optional<install::InstalledVariant>& v) {
  if (!v) return;
  MOTA_FUZZ_CHECK(!v->file.empty() && v->file.find('/') == std::string::npos && v->file != "." &&
                      v->file != "..",
                  v->file);
  const mota::exec::BackendOptions options = install::ToBackendOptions(v->params);
  MOTA_FUZZ_CHECK(options.vulkan_tuning == install::VulkanTuningText(v->params.vulkan_params),
                  options.vulkan_tuning);
  // The text carries exactly the record's parameters: a family or name holding ',', ':' or '='
  // would smuggle items the variant never had to the backend.
  MOTA_FUZZ_CHECK(ReadTuningText(options.vulkan_tuning) == v->params.vulkan_params,
                  options.vulkan_tuning);
}

// What loads is what the store writes back: re-activating the active file (a repair, which
// rewrites active.json with every entry's params) and opening again gives the same records.
void CheckRewrite(install::InstallStore& store, const fs::path& dir) {
  const std::optional<install::InstalledVariant> active = store.active();
  if (!active || active->file.size() < 5 ||
      active->file.compare(active->file.size() - 5, 5, ".mota") != 0) {
    return;  // mota names every file <release>-<variant>.mota; others are not activated here
  }
  Put(dir / active->file, "", true);
  const mota::Status s = store.SwitchActive(*active);
  MOTA_FUZZ_CHECK(s.ok(), s.ToString());
  mota::Result<install::InstallStore> again = install::InstallStore::Open(Root().string(), "fuzz");
  MOTA_FUZZ_CHECK(again.ok(), again.status().ToString());
  MOTA_FUZZ_CHECK(again.value().active() == store.active(), "active differs after a rewrite");
  MOTA_FUZZ_CHECK(again.value().previous() == store.previous(), "previous differs after a rewrite");
  MOTA_FUZZ_CHECK(again.value().bad_variants() == store.bad_variants(), "bad variants differ");
}

int Run(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const fs::path dir = Root() / "models" / "fuzz";
  std::error_code ec;
  fs::create_directories(dir, ec);
  Put(dir / "active.json", input.substr(0, nul), true);
  Put(dir / "bad_variants.json",
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1),
      nul != std::string_view::npos);
  mota::Result<install::InstallStore> store = install::InstallStore::Open(Root().string(), "fuzz");
  if (!store.ok()) {
    const mota::Status& s = store.status();
    MOTA_FUZZ_CHECK(s.code() == mota::StatusCode::kDataLoss, s.ToString());
    const bool names_record = s.message().find("active.json") != std::string::npos ||
                              s.message().find("bad_variants.json") != std::string::npos;
    MOTA_FUZZ_CHECK(names_record, s.ToString());
    return 0;
  }
  CheckLoaded(store.value().active());
  CheckLoaded(store.value().previous());
  CheckRewrite(store.value(), dir);
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("install_record", Run)
