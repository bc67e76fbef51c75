#include "manifests/lib/tuf/repo_files.h"

#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {

std::string MetadataPath(const std::string& repo, const std::string& file) {
  return repo + "/metadata/" + file;
}

std::string TargetFilePath(const std::string& repo, const std::string& target,
                           const std::string& sha256) {
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
  return repo + "/targets/" + dir + sha256 + "." + name;
}

MetaFile MetaOf(int64_t version, const std::string& bytes) {
  MetaFile m;
  m.version = version;
  m.length = static_cast<int64_t>(bytes.size());
  m.hashes["sha256"] = Sha256Hex(bytes);
  return m;
}

Status CheckMeta(const MetaFile& meta, const std::string& bytes, const std::string& what) {
  if (meta.length && *meta.length != static_cast<int64_t>(bytes.size())) {
    return Rejected(what, ": length ", bytes.size(), ", expected ", *meta.length);
  }
  auto it = meta.hashes.find("sha256");
  if (it == meta.hashes.end()) return Rejected(what, ": no sha256 listed for it");
  const std::string got = Sha256Hex(bytes);
  if (it->second != got) return Rejected(what, ": sha256 ", got, ", expected ", it->second);
  return Status::Ok();
}

}  // namespace mota::tuf
