// `mota keygen -o NAME`: a new Ed25519 signing key for the repository
// (manifests/spec/repository.md). Writes NAME.key (PKCS#8 PEM, mode 0600; keep it offline) and
// NAME.pub (public key PEM) and prints the keyid. Refuses to replace either file, and writes
// neither when one exists, so an existing key is never lost.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "packager/src/keys.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct KeygenArgs {
  std::string name;
};

Status Keygen(const KeygenArgs& args) {
  const std::string key_path = args.name + ".key", pub_path = args.name + ".pub";
  for (const std::string& path : {key_path, pub_path}) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      return InvalidArgument(path,
                             " already exists; refusing to overwrite a key "
                             "(choose another -o NAME or move the old key away)");
    }
  }
  // `-o keys/root` creates keys/ (mode 0700: it holds private keys) when it is missing.
  const std::filesystem::path folder = std::filesystem::path(key_path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::exists(folder, ec)) {
    std::filesystem::create_directories(folder, ec);
    if (ec) return IoError("cannot create the folder ", folder.string(), ": ", ec.message());
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, ec);
  }
  MOTA_ASSIGN_OR_RETURN(packager::SigningKey key, packager::SigningKey::Generate());
  MOTA_RETURN_IF_ERROR(key.SavePrivate(key_path));
  Status pub = packager::WritePublicKeyPem(pub_path, key.PublicKey());
  if (!pub.ok()) {
    ::unlink(key_path.c_str());  // nothing half-written
    return pub;
  }
  std::printf("wrote %s (private, mode 0600: keep it offline) and %s\nkeyid %s\n", key_path.c_str(),
              pub_path.c_str(), key.keyid().c_str());
  return Status::Ok();
}

}  // namespace

Command AddKeygenCommand(CLI::App& app) {
  auto args = std::make_shared<KeygenArgs>();
  CLI::App* sub = app.add_subcommand(
      "keygen", "Create an Ed25519 signing key: NAME.key (private, 0600) and NAME.pub");
  sub->add_option("-o,--output", args->name, "Base name of the key files")->required();
  sub->footer("Example: mota keygen -o keys/root1");
  return {sub, [args] {
            Status st = Keygen(*args);
            return st.ok() ? 0 : ReportError("keygen", st);
          }};
}

}  // namespace mota::cli
