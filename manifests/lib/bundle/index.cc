#include "manifests/lib/bundle/index.h"

#include <zstd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "manifests/lib/bundle/sha256.h"

namespace mota::bundle {
namespace {

using Json = nlohmann::json;

Status Invalid(const std::string& field, const std::string& what) {
  // The top-level object has an empty path; name it so the message never reads "index: : ...".
  return MakeStatus(StatusCode::kInvalidArgument, "variant index: ", field.empty() ? "(document)" : field,
                    ": ", what);
}

// ---- validation ----

Status CheckHex(const std::string& field, const std::string& value) {
  if (IsSha256Hex(value)) return Status::Ok();
  return Invalid(field,
                 "\"" + value.substr(0, 80) + "\" is not 64 lowercase hex digits (a sha256)");
}

// Printable ASCII without quote or backslash: the canonical form never needs an escape.
Status CheckName(const std::string& field, const std::string& value) {
  if (value.empty() || value.size() > kMaxNameLength) {
    return Invalid(field, "name length " + std::to_string(value.size()) + ", expected 1.." +
                              std::to_string(kMaxNameLength));
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return Invalid(field, "name \"" + value +
                                "\" has a character outside printable ASCII "
                                "(quote and backslash excluded)");
    }
  }
  return Status::Ok();
}

// A decimal number: digits, optional fraction, optional exponent ("0", "0.995", "1e-3").
Status CheckDecimal(const std::string& field, const std::string& value) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
    return i > start;
  };
  bool ok = digits();
  if (ok && i < value.size() && value[i] == '.') ++i, ok = digits();
  if (ok && i < value.size() && (value[i] == 'e' || value[i] == 'E')) {
    ++i;
    if (i < value.size() && (value[i] == '-' || value[i] == '+')) ++i;
    ok = digits();
  }
  if (ok && i == value.size() && value.size() <= 32) return Status::Ok();
  return Invalid(field, "\"" + value.substr(0, 40) +
                            "\" is not a non-negative decimal number like \"0.995\" or \"1e-3\"");
}

Status CheckSizes(const std::string& field, uint64_t size, uint64_t zstd_size) {
  if (size == 0 || size > kMaxChunkSize) {
    return Invalid(field + ".size",
                   std::to_string(size) + ", expected 1.." + std::to_string(kMaxChunkSize));
  }
  // A zstd frame is never larger than ZSTD_COMPRESSBOUND of its content.
  uint64_t bound = ZSTD_COMPRESSBOUND(size);
  if (zstd_size == 0 || zstd_size > bound) {
    return Invalid(field + ".zstd_size", std::to_string(zstd_size) + ", expected 1.." +
                                             std::to_string(bound) + " for size " +
                                             std::to_string(size));
  }
  return Status::Ok();
}

Status CheckChunk(size_t i, const ChunkRef& c, uint64_t expected_offset) {
  std::string field = "chunks[" + std::to_string(i) + "]";
  MOTA_RETURN_IF_ERROR(CheckHex(field + ".sha256", c.sha256));
  MOTA_RETURN_IF_ERROR(CheckHex(field + ".zstd_sha256", c.zstd_sha256));
  MOTA_RETURN_IF_ERROR(CheckSizes(field, c.size, c.zstd_size));
  if (c.offset != expected_offset) {
    return Invalid(field + ".offset", std::to_string(c.offset) + ", expected " +
                                          std::to_string(expected_offset) +
                                          " (chunks are ordered and contiguous from 0)");
  }
  return Status::Ok();
}

// The same content may appear twice (identical tensors), but then with the same stored frame;
// one stored frame never stands for two different contents.
Status CheckConsistentDuplicates(const std::vector<ChunkRef>& chunks) {
  std::map<std::string, size_t> by_sha, by_zstd;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const ChunkRef& c = chunks[i];
    auto [it, fresh] = by_sha.emplace(c.sha256, i);
    const ChunkRef& first = chunks[it->second];
    if (!fresh && (first.size != c.size || first.zstd_sha256 != c.zstd_sha256 ||
                   first.zstd_size != c.zstd_size)) {
      return Invalid("chunks[" + std::to_string(i) + "]",
                     "sha256 " + c.sha256 + " repeats chunks[" + std::to_string(it->second) +
                         "] with a different size or zstd frame");
    }
    auto [zit, zfresh] = by_zstd.emplace(c.zstd_sha256, i);
    if (!zfresh && chunks[zit->second].sha256 != c.sha256) {
      return Invalid("chunks[" + std::to_string(i) + "]",
                     "zstd_sha256 " + c.zstd_sha256 + " also stands for chunks[" +
                         std::to_string(zit->second) + "] with different content");
    }
  }
  return Status::Ok();
}

Status CheckBlobs(const std::string& field, const std::vector<BlobRef>& blobs) {
  std::set<std::string> names;
  for (size_t i = 0; i < blobs.size(); ++i) {
    std::string f = field + "[" + std::to_string(i) + "]";
    const BlobRef& b = blobs[i];
    MOTA_RETURN_IF_ERROR(CheckName(f + ".name", b.name));
    if (!names.insert(b.name).second)
      return Invalid(f + ".name", "\"" + b.name + "\" appears twice");
    MOTA_RETURN_IF_ERROR(CheckHex(f + ".sha256", b.sha256));
    MOTA_RETURN_IF_ERROR(CheckHex(f + ".zstd_sha256", b.zstd_sha256));
    MOTA_RETURN_IF_ERROR(CheckSizes(f, b.size, b.zstd_size));
  }
  return Status::Ok();
}

Status CheckSelftest(const Selftest& s) {
  MOTA_RETURN_IF_ERROR(CheckDecimal("selftest.tolerance.max_abs_error", s.max_abs_error));
  MOTA_RETURN_IF_ERROR(CheckDecimal("selftest.tolerance.min_cosine", s.min_cosine));
  if (s.vectors.size() > kMaxSelftestVectors) {
    return Invalid("selftest.vectors", std::to_string(s.vectors.size()) + " vectors, at most " +
                                           std::to_string(kMaxSelftestVectors));
  }
  for (size_t i = 0; i < s.vectors.size(); ++i) {
    std::string f = "selftest.vectors[" + std::to_string(i) + "]";
    if (s.vectors[i].inputs.empty() || s.vectors[i].outputs.empty()) {
      return Invalid(f, "a vector needs at least one input and one output");
    }
    MOTA_RETURN_IF_ERROR(CheckBlobs(f + ".inputs", s.vectors[i].inputs));
    MOTA_RETURN_IF_ERROR(CheckBlobs(f + ".outputs", s.vectors[i].outputs));
  }
  return Status::Ok();
}

// ---- JSON reading (no exceptions: every access is type-checked first) ----

class ObjectReader {
 public:
  ObjectReader(const Json& j, std::string field) : j_(j), field_(std::move(field)) {}

  // The object has exactly these keys: an unknown key is a newer format or a mistake.
  Status ExpectKeys(std::set<std::string> keys) const {
    if (!j_.is_object()) return Invalid(field_, "expected a JSON object");
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!keys.count(it.key())) return Invalid(field_, "unknown key \"" + it.key() + "\"");
    }
    for (const std::string& k : keys) {
      if (!j_.contains(k)) return Invalid(field_, "missing key \"" + k + "\"");
    }
    return Status::Ok();
  }
  Status String(const std::string& key, std::string* out) const {
    const Json& v = j_[key];
    if (!v.is_string()) return Invalid(Path(key), "expected a string");
    *out = v.get_ref<const std::string&>();
    return Status::Ok();
  }
  Status Uint(const std::string& key, uint64_t* out) const {
    const Json& v = j_[key];
    if (v.is_number_unsigned()) {
      *out = v.get<uint64_t>();
      return Status::Ok();
    }
    return Invalid(Path(key), "expected a non-negative integer");
  }
  Status Array(const std::string& key, size_t limit, const Json** out) const {
    const Json& v = j_[key];
    if (!v.is_array()) return Invalid(Path(key), "expected an array");
    if (v.size() > limit) {
      return Invalid(Path(key),
                     std::to_string(v.size()) + " entries, at most " + std::to_string(limit));
    }
    *out = &v;
    return Status::Ok();
  }
  std::string Path(const std::string& key) const {
    return field_.empty() ? key : field_ + "." + key;
  }

 private:
  const Json& j_;
  std::string field_;
};

Status ReadChunk(const Json& j, const std::string& field, ChunkRef* c) {
  ObjectReader r(j, field);
  MOTA_RETURN_IF_ERROR(
      r.ExpectKeys({"offset", "sha256", "size", "zstd_sha256", "zstd_size"}));
  MOTA_RETURN_IF_ERROR(r.Uint("offset", &c->offset));
  MOTA_RETURN_IF_ERROR(r.String("sha256", &c->sha256));
  MOTA_RETURN_IF_ERROR(r.Uint("size", &c->size));
  MOTA_RETURN_IF_ERROR(r.String("zstd_sha256", &c->zstd_sha256));
  return r.Uint("zstd_size", &c->zstd_size);
}

Status ReadBlobs(const ObjectReader& parent, const std::string& key,
                       std::vector<BlobRef>* out) {
  const Json* array = nullptr;
  MOTA_RETURN_IF_ERROR(parent.Array(key, 4096, &array));
  for (size_t i = 0; i < array->size(); ++i) {
    ObjectReader r((*array)[i], parent.Path(key) + "[" + std::to_string(i) + "]");
    BlobRef b;
    MOTA_RETURN_IF_ERROR(
        r.ExpectKeys({"name", "sha256", "size", "zstd_sha256", "zstd_size"}));
    MOTA_RETURN_IF_ERROR(r.String("name", &b.name));
    MOTA_RETURN_IF_ERROR(r.String("sha256", &b.sha256));
    MOTA_RETURN_IF_ERROR(r.Uint("size", &b.size));
    MOTA_RETURN_IF_ERROR(r.String("zstd_sha256", &b.zstd_sha256));
    MOTA_RETURN_IF_ERROR(r.Uint("zstd_size", &b.zstd_size));
    out->push_back(std::move(b));
  }
  return Status::Ok();
}

Status ReadSelftest(const Json& j, Selftest* s) {
  ObjectReader r(j, "selftest");
  MOTA_RETURN_IF_ERROR(r.ExpectKeys({"tolerance", "vectors"}));
  ObjectReader tol(j["tolerance"], "selftest.tolerance");
  MOTA_RETURN_IF_ERROR(tol.ExpectKeys({"max_abs_error", "min_cosine"}));
  MOTA_RETURN_IF_ERROR(tol.String("max_abs_error", &s->max_abs_error));
  MOTA_RETURN_IF_ERROR(tol.String("min_cosine", &s->min_cosine));
  const Json* vectors = nullptr;
  MOTA_RETURN_IF_ERROR(r.Array("vectors", kMaxSelftestVectors, &vectors));
  for (size_t i = 0; i < vectors->size(); ++i) {
    ObjectReader v((*vectors)[i], "selftest.vectors[" + std::to_string(i) + "]");
    MOTA_RETURN_IF_ERROR(v.ExpectKeys({"inputs", "outputs"}));
    SelftestVector vector;
    MOTA_RETURN_IF_ERROR(ReadBlobs(v, "inputs", &vector.inputs));
    MOTA_RETURN_IF_ERROR(ReadBlobs(v, "outputs", &vector.outputs));
    s->vectors.push_back(std::move(vector));
  }
  return Status::Ok();
}

Status ReadIndex(const Json& j, VariantIndex* index) {
  ObjectReader r(j, "");
  MOTA_RETURN_IF_ERROR(
      r.ExpectKeys({"chunks", "format_version", "selftest", "sha256", "size", "type"}));
  std::string type;
  MOTA_RETURN_IF_ERROR(r.String("type", &type));
  if (type != kIndexType)
    return Invalid("type", "\"" + type + "\", expected \"" + kIndexType + "\"");
  uint64_t version = 0;
  MOTA_RETURN_IF_ERROR(r.Uint("format_version", &version));
  if (version != kIndexFormatVersion) {
    return Invalid("format_version", std::to_string(version) + ", this reader knows only " +
                                         std::to_string(kIndexFormatVersion) +
                                         ": update the runtime");
  }
  MOTA_RETURN_IF_ERROR(r.String("sha256", &index->sha256));
  MOTA_RETURN_IF_ERROR(r.Uint("size", &index->size));
  const Json* chunks = nullptr;
  MOTA_RETURN_IF_ERROR(r.Array("chunks", kMaxChunks, &chunks));
  index->chunks.resize(chunks->size());
  for (size_t i = 0; i < chunks->size(); ++i) {
    MOTA_RETURN_IF_ERROR(
        ReadChunk((*chunks)[i], "chunks[" + std::to_string(i) + "]", &index->chunks[i]));
  }
  return ReadSelftest(j["selftest"], &index->selftest);
}

// ---- canonical writing ----

Json BlobJson(const BlobRef& b) {
  return Json{{"name", b.name},
              {"sha256", b.sha256},
              {"size", b.size},
              {"zstd_sha256", b.zstd_sha256},
              {"zstd_size", b.zstd_size}};
}

Json BlobsJson(const std::vector<BlobRef>& blobs) {
  Json out = Json::array();
  for (const BlobRef& b : blobs) out.push_back(BlobJson(b));
  return out;
}

Json IndexJson(const VariantIndex& index) {
  Json chunks = Json::array();
  for (const ChunkRef& c : index.chunks) {
    chunks.push_back(Json{{"offset", c.offset},
                          {"sha256", c.sha256},
                          {"size", c.size},
                          {"zstd_sha256", c.zstd_sha256},
                          {"zstd_size", c.zstd_size}});
  }
  Json vectors = Json::array();
  for (const SelftestVector& v : index.selftest.vectors) {
    vectors.push_back(Json{{"inputs", BlobsJson(v.inputs)}, {"outputs", BlobsJson(v.outputs)}});
  }
  Json tolerance{{"max_abs_error", index.selftest.max_abs_error},
                 {"min_cosine", index.selftest.min_cosine}};
  return Json{
      {"chunks", std::move(chunks)},
      {"format_version", kIndexFormatVersion},
      {"selftest", Json{{"tolerance", std::move(tolerance)}, {"vectors", std::move(vectors)}}},
      {"sha256", index.sha256},
      {"size", index.size},
      {"type", kIndexType}};
}

}  // namespace

Status ValidateIndex(const VariantIndex& index) {
  MOTA_RETURN_IF_ERROR(CheckHex("sha256", index.sha256));
  if (index.size == 0 || index.size > kMaxFileSize) {
    return Invalid("size",
                   std::to_string(index.size) + ", expected 1.." + std::to_string(kMaxFileSize));
  }
  if (index.chunks.empty())
    return Invalid("chunks", "empty, expected the chunks covering the file");
  if (index.chunks.size() > kMaxChunks) {
    return Invalid("chunks", std::to_string(index.chunks.size()) + " entries, at most " +
                                 std::to_string(kMaxChunks));
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < index.chunks.size(); ++i) {
    MOTA_RETURN_IF_ERROR(CheckChunk(i, index.chunks[i], offset));
    offset += index.chunks[i].size;  // no overflow: sizes <= 64 MiB, count <= 2^20
    if (offset > index.size) {
      return Invalid("chunks[" + std::to_string(i) + "]", "ends at " + std::to_string(offset) +
                                                              ", past the file size " +
                                                              std::to_string(index.size));
    }
  }
  if (offset != index.size) {
    return Invalid("chunks", "cover " + std::to_string(offset) + " bytes, expected the file size " +
                                 std::to_string(index.size));
  }
  MOTA_RETURN_IF_ERROR(CheckConsistentDuplicates(index.chunks));
  return CheckSelftest(index.selftest);
}

Result<VariantIndex> ParseIndex(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("(document)", "not valid JSON");
  VariantIndex index;
  MOTA_RETURN_IF_ERROR(ReadIndex(j, &index));
  MOTA_RETURN_IF_ERROR(ValidateIndex(index));
  // One index, one byte form: the TUF target hash covers these exact bytes.
  if (IndexJson(index).dump() != text) {
    return Invalid("(document)",
                   "not in canonical form (sorted keys, no whitespace, no repeated keys); "
                   "re-serialize it with SerializeIndex");
  }
  return index;
}

Result<std::string> SerializeIndex(const VariantIndex& index) {
  MOTA_RETURN_IF_ERROR(ValidateIndex(index));
  // Every string is validated printable ASCII, so dump() needs no escapes and cannot throw.
  return IndexJson(index).dump();
}

}  // namespace mota::bundle
