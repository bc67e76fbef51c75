#include "delivery/trust/delegations.h"

#include <cstdio>
#include <cstdlib>

#include "manifests/lib/tuf/signature_schemes.h"

namespace mota::trust {
namespace {

using tuf::Json;

// Matches a character class starting at pattern[0] == '['. Sets *consumed to the class's length;
// returns nullopt when there is no closing ']' (then '[' is an ordinary character, as in fnmatch).
std::optional<bool> MatchClass(std::string_view pattern, char c, size_t* consumed) {
  size_t i = 1;
  bool negate = false;
  if (i < pattern.size() && pattern[i] == '!') negate = true, ++i;
  const size_t first = i;
  bool matched = false;
  for (; i < pattern.size(); ++i) {
    if (pattern[i] == ']' && i > first) {
      *consumed = i + 1;
      return matched != negate;
    }
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2]) matched = true;
      i += 2;
    } else if (pattern[i] == c) {
      matched = true;
    }
  }
  return std::nullopt;
}

// fnmatch of one path part (no '/' inside either).
bool MatchPart(std::string_view pattern, std::string_view text) {
  while (!pattern.empty()) {
    if (pattern[0] == '*') {
      for (size_t n = 0; n <= text.size(); ++n) {
        if (MatchPart(pattern.substr(1), text.substr(n))) return true;
      }
      return false;
    }
    if (text.empty()) return false;
    size_t consumed = 1;
    bool same = false;
    if (pattern[0] == '?') {
      same = true;
    } else if (pattern[0] == '[') {
      std::optional<bool> m = MatchClass(pattern, text[0], &consumed);
      same = m ? *m : text[0] == '[';
      if (!m) consumed = 1;
    } else {
      same = pattern[0] == text[0];
    }
    if (!same) return false;
    pattern.remove_prefix(consumed);
    text.remove_prefix(1);
  }
  return text.empty();
}

std::vector<std::string_view> SplitParts(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '/') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

Result<SuccinctRoles> ParseSuccinct(const Json& value, const std::string& path) {
  if (!value.is_object()) return tuf::Invalid(path, ": expected an object");
  SuccinctRoles s;
  auto keyids = value.find("keyids");
  if (keyids == value.end() || !keyids->is_array()) {
    return tuf::Invalid(path, ".keyids: expected an array of strings");
  }
  for (const Json& k : *keyids) {
    if (!k.is_string()) return tuf::Invalid(path, ".keyids: expected strings only");
    s.keyids.push_back(k.get<std::string>());
  }
  auto threshold = value.find("threshold");
  if (threshold == value.end() || !threshold->is_number_integer() ||
      threshold->get<int64_t>() < 1) {
    return tuf::Invalid(path, ".threshold: expected an integer >= 1");
  }
  s.threshold = threshold->get<int64_t>();
  auto bits = value.find("bit_length");
  if (bits == value.end() || !bits->is_number_integer() || bits->get<int64_t>() < 1 ||
      bits->get<int64_t>() > 32) {
    return tuf::Invalid(path, ".bit_length: expected an integer in 1..32");
  }
  s.bit_length = static_cast<int>(bits->get<int64_t>());
  auto prefix = value.find("name_prefix");
  if (prefix == value.end() || !prefix->is_string()) {
    return tuf::Invalid(path, ".name_prefix: expected a string");
  }
  s.name_prefix = prefix->get<std::string>();
  return s;
}

// Hex digits in a bin's name: enough for the largest bin, 2^bit_length - 1.
int SuffixLength(int bit_length) { return (bit_length + 3) / 4; }

// A delegated role named like a top-level role would be stored over that role's trusted file
// (and confuse every reader): TUF forbids it, python-tuf refuses it too.
Status CheckNoTopLevelNames(const tuf::Targets& targets, std::string_view what) {
  if (!targets.delegations) return Status::Ok();
  for (const tuf::DelegatedRole& role : targets.delegations->roles) {
    for (const char* top : {"root", "targets", "snapshot", "timestamp"}) {
      if (role.name == top) {
        return tuf::Invalid(what,
                            ": signed.delegations.roles: a delegated role may not be named \"", top,
                            "\" (a top-level role)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::string SuccinctRoles::RoleForTarget(std::string_view target_path) const {
  const std::string digest = tuf::Sha256Hex(target_path);
  // The first 4 bytes, big-endian, shifted down to bit_length bits.
  const uint32_t first =
      static_cast<uint32_t>(std::strtoul(digest.substr(0, 8).c_str(), nullptr, 16));
  const uint32_t bin = bit_length == 32 ? first : first >> (32 - bit_length);
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%0*x", SuffixLength(bit_length), bin);
  return name_prefix + "-" + suffix;
}

bool SuccinctRoles::IsDelegatedRole(std::string_view role_name) const {
  const std::string head = name_prefix + "-";
  if (role_name.substr(0, head.size()) != head) return false;
  const std::string_view suffix = role_name.substr(head.size());
  if (suffix.size() != static_cast<size_t>(SuffixLength(bit_length))) return false;
  uint64_t bin = 0;
  for (char c : suffix) {
    const int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    bin = bin * 16 + static_cast<uint64_t>(v);
  }
  return bin < (uint64_t{1} << bit_length);
}

Result<TargetsRole> ParseTargetsRole(const Json& signed_json, std::string_view what) {
  const Json* delegations = nullptr;
  if (signed_json.is_object() && signed_json.contains("delegations")) {
    delegations = &signed_json["delegations"];
  }
  const bool succinct =
      delegations && delegations->is_object() && delegations->contains("succinct_roles");
  if (!succinct) {
    TargetsRole role;
    MOTA_ASSIGN_OR_RETURN(role.targets, tuf::ParseTargets(signed_json, what));
    MOTA_RETURN_IF_ERROR(CheckNoTopLevelNames(role.targets, what));
    return role;
  }
  const std::string path = tuf::Cat(what, ": signed.delegations");
  if (delegations->contains("roles")) {
    return tuf::Invalid(path, ": has both \"roles\" and \"succinct_roles\" (expected one)");
  }
  // The shared model (manifests/lib/tuf/metadata.h) knows only "roles": parse a copy with an
  // empty list, so succinct_roles lands in delegations.unrecognized and is re-emitted from there.
  Json copy = signed_json;
  copy["delegations"]["roles"] = Json::array();
  TargetsRole role;
  MOTA_ASSIGN_OR_RETURN(role.targets, tuf::ParseTargets(copy, what));
  MOTA_ASSIGN_OR_RETURN(role.succinct,
                        ParseSuccinct((*delegations)["succinct_roles"], path + ".succinct_roles"));
  return role;
}

bool PathPatternMatches(std::string_view pattern, std::string_view target_path) {
  const std::vector<std::string_view> pattern_parts = SplitParts(pattern);
  const std::vector<std::string_view> path_parts = SplitParts(target_path);
  if (pattern_parts.size() != path_parts.size()) return false;
  for (size_t i = 0; i < path_parts.size(); ++i) {
    if (!MatchPart(pattern_parts[i], path_parts[i])) return false;
  }
  return true;
}

bool RoleIsDelegatedPath(const tuf::DelegatedRole& role, std::string_view target_path) {
  if (role.paths) {
    for (const std::string& pattern : *role.paths) {
      if (PathPatternMatches(pattern, target_path)) return true;
    }
    return false;
  }
  if (role.path_hash_prefixes) {
    const std::string digest = tuf::Sha256Hex(target_path);
    for (const std::string& prefix : *role.path_hash_prefixes) {
      if (digest.compare(0, prefix.size(), prefix) == 0) return true;
    }
  }
  return false;
}

std::vector<RoleRef> RolesForTarget(const TargetsRole& delegator, std::string_view target_path) {
  std::vector<RoleRef> out;
  if (delegator.succinct) {
    out.push_back({delegator.succinct->RoleForTarget(target_path), true});
    return out;
  }
  if (!delegator.targets.delegations) return out;
  for (const tuf::DelegatedRole& role : delegator.targets.delegations->roles) {
    if (RoleIsDelegatedPath(role, target_path)) out.push_back({role.name, role.terminating});
  }
  return out;
}

Result<tuf::Authorization> DelegatedAuthorization(const TargetsRole& delegator,
                                                  std::string_view role_name) {
  if (delegator.succinct && delegator.succinct->IsDelegatedRole(role_name)) {
    return tuf::Authorization{delegator.succinct->keyids, delegator.succinct->threshold};
  }
  if (delegator.targets.delegations) {
    for (const tuf::DelegatedRole& role : delegator.targets.delegations->roles) {
      if (role.name == role_name) return tuf::AuthorizationOf(role);
    }
  }
  return NotFound("role \"", role_name, "\" is not delegated by its parent");
}

}  // namespace mota::trust
