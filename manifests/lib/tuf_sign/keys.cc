#include "manifests/lib/tuf_sign/keys.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* p) { return {p, EVP_PKEY_free}; }

// The most recent OpenSSL error, for messages; clears the queue.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL detail";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Creates `path` with `mode` (never replacing a file) and writes `text`, then fsyncs it.
Status WriteNewFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return InvalidArgument(path,
                             " already exists; refusing to overwrite a key file "
                             "(move it away or choose another name)");
    }
    return IoError("cannot create ", path, ": ", std::strerror(errno));
  }
  // The umask can only clear bits; fchmod makes the mode exact whatever the umask is.
  bool ok = ::fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return IoError("cannot write ", path, ": ", std::strerror(saved));
  }
  return Status::Ok();
}

// Reads everything from `fd` (then closes it); `path` names it in errors.
Result<std::string> ReadAllAndClose(int fd, const std::string& path) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return IoError("cannot read ", path, ": ", std::strerror(saved));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// Reads a private key file through one descriptor, checking its mode on that same descriptor
// (no window between the check and the read).
Result<std::string> ReadPrivateKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open private key file ", path, ": ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path, " is not a regular file; expected a PEM private key");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return InvalidArgument("private key file ", path, " has mode ", ModeString(st.st_mode),
                           ": group or others can access it. Run `chmod 600 ", path,
                           "` (and consider the key leaked if others could read it)");
  }
  return ReadAllAndClose(fd, path);
}

Result<Key> KeyFromPkey(EVP_PKEY* pkey, const std::string& what) {
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    return InvalidArgument(what, " holds a ", OBJ_nid2sn(EVP_PKEY_id(pkey)),
                           " key; mota keys are Ed25519 (make one with `mota keygen`)");
  }
  uint8_t raw[kEd25519PublicKeySize];
  size_t size = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey, raw, &size) != 1 || size != sizeof(raw)) {
    return Internal("cannot read the Ed25519 public key of ", what, ": ", OpenSslError());
  }
  Key key;
  key.keytype = "ed25519";
  key.scheme = "ed25519";
  key.public_key = ToHex({raw, size});
  return key;
}

}  // namespace

Result<SigningKey> SigningKey::FromPkey(std::shared_ptr<EVP_PKEY> pkey) {
  SigningKey key;
  MOTA_ASSIGN_OR_RETURN(key.public_key_, KeyFromPkey(pkey.get(), "the private key"));
  Result<std::string> keyid = KeyId(key.public_key_);
  if (!keyid.ok()) return keyid.status();
  key.keyid_ = keyid.value();
  key.pkey_ = std::move(pkey);
  return key;
}

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) return Internal("Ed25519 key generation failed: ", OpenSslError());
  return FromPkey(Share(raw));
}

Result<SigningKey> SigningKey::LoadPrivate(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::string pem, ReadPrivateKeyFile(path));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!raw) {
    return InvalidArgument(path, " is not a PEM private key (", OpenSslError(),
                           "); expected the NAME.key file `mota keygen` writes");
  }
  std::shared_ptr<EVP_PKEY> pkey = Share(raw);
  if (EVP_PKEY_id(raw) != EVP_PKEY_ED25519) {
    return InvalidArgument(path, " holds a ", OBJ_nid2sn(EVP_PKEY_id(raw)),
                           " key; mota keys are Ed25519 (make one with `mota keygen`)");
  }
  return FromPkey(std::move(pkey));
}

Status SigningKey::SavePrivate(const std::string& path) const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return Internal("cannot encode the private key as PEM: ", OpenSslError());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return WriteNewFile(path, std::string(data, static_cast<size_t>(size)), 0600);
}

Result<std::vector<uint8_t>> SigningKey::Sign(std::span<const uint8_t> message) const {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::vector<uint8_t> sig(kEd25519SignatureSize);
  size_t size = sig.size();
  // Ed25519 is one-shot: no digest, the whole message goes to EVP_DigestSign.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &size, message.data(), message.size()) != 1 ||
      size != sig.size()) {
    return Internal("Ed25519 signing failed: ", OpenSslError());
  }
  return sig;
}

Status WritePublicKeyPem(const std::string& path, const Key& key) {
  Result<std::vector<uint8_t>> raw = FromHex(key.public_key, "keyval.public");
  if (!raw.ok()) return raw.status();
  if (!IsSupportedKey(key)) {
    return InvalidArgument("cannot write ", path, ": key type ", key.keytype, " is not Ed25519");
  }
  std::shared_ptr<EVP_PKEY> pkey = Share(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, raw.value().data(), raw.value().size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio || PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    return Internal("cannot encode the public key as PEM: ", OpenSslError());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return WriteNewFile(path, std::string(data, static_cast<size_t>(size)), 0644);
}

Result<Key> LoadPublicKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open public key file ", path, ": ", std::strerror(errno));
  MOTA_ASSIGN_OR_RETURN(std::string text, ReadAllAndClose(fd, path));
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    EVP_PKEY* raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!raw) return InvalidArgument(path, " is not a valid PEM public key: ", OpenSslError());
    std::shared_ptr<EVP_PKEY> pkey = Share(raw);
    return KeyFromPkey(raw, path);
  }
  if (text.find("PRIVATE KEY") != std::string::npos) {
    return InvalidArgument(path, " is a private key; give the public key (NAME.pub)");
  }
  Result<nlohmann::json> doc = ParseJson(text, path);
  if (!doc.ok()) {
    return InvalidArgument(path, " is neither a PEM public key nor a TUF key object in JSON (",
                           doc.status().message(), ")");
  }
  Result<Key> key = ParseKey(doc.value(), path);
  if (!key.ok()) return key.status();
  if (!IsSupportedKey(key.value())) {
    return InvalidArgument(path, ": key type ", key.value().keytype, "/", key.value().scheme,
                           " is not supported; expected ed25519/ed25519");
  }
  return key.value();
}

}  // namespace mota::tuf
