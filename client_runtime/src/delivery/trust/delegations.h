// Which delegated roles may list a target path (TUF 1.0 "delegations"): path patterns, path hash
// prefixes and succinct hash-bin delegations (TAP 15), and a targets-role parser that accepts
// `succinct_roles` in place of `roles`.
//
//   MOTA_ASSIGN_OR_RETURN(TargetsRole t, ParseTargetsRole(env.signed_json, "targets.json"));
//   for (const RoleRef& r : RolesForTarget(t, "models/mlp/cpu.r3.json")) ... // in priority order
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::trust {

// TAP 15: 2^bit_length bins named "<name_prefix>-<hex bin>", all signed by the same keys; a
// target belongs to the bin given by the first bit_length bits of sha256(target path).
struct SuccinctRoles {
  std::vector<std::string> keyids;
  int64_t threshold = 1;
  int bit_length = 1;  // 1..32
  std::string name_prefix;

  std::string RoleForTarget(std::string_view target_path) const;
  bool IsDelegatedRole(std::string_view role_name) const;
};

// A targets role (top-level or delegated) with its succinct delegation, if any.
struct TargetsRole {
  tuf::Targets targets;
  std::optional<SuccinctRoles> succinct;
};

// tuf::ParseTargets plus `delegations.succinct_roles` (exactly one of roles / succinct_roles).
Result<TargetsRole> ParseTargetsRole(const tuf::Json& signed_json, std::string_view what);

// A delegated role that may list the path, in the delegator's priority order.
struct RoleRef {
  std::string name;
  bool terminating = false;
};
std::vector<RoleRef> RolesForTarget(const TargetsRole& delegator, std::string_view target_path);

// Who may sign `role_name` as delegated by `delegator`; NotFound when it does not delegate it.
Result<tuf::Authorization> DelegatedAuthorization(const TargetsRole& delegator,
                                                  std::string_view role_name);

// TUF path patterns, matched like Python's fnmatch per '/'-separated part (python-tuf, go-tuf):
// the path and the pattern have the same number of parts; in a part `*` matches any run of
// characters (none too), `?` one character, `[seq]` / `[!seq]` one character in / not in seq.
bool PathPatternMatches(std::string_view pattern, std::string_view target_path);

// True when some pattern of `role` matches, or the hex sha256 of the path starts with one of its
// path_hash_prefixes.
bool RoleIsDelegatedPath(const tuf::DelegatedRole& role, std::string_view target_path);

}  // namespace mota::trust
