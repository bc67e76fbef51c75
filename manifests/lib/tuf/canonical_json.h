// Canonical JSON as TUF and securesystemslib define it (the OLPC rules): the bytes that are
// signed and hashed. Object keys sorted by their UTF-8 bytes, no whitespace, strings with only
// `\` and `"` escaped (everything else, non-ASCII included, passes through as raw bytes),
// integers only (a float is an error), true / false / null. Control characters (U+0000..U+001F)
// are an error: OLPC would pass them raw, and raw they are not JSON, so the signed bytes could not
// be read back (found by tests/fuzz/tuf_metadata_fuzz.cc). mota's output is thus a subset of
// securesystemslib's, byte-identical wherever both apply.
//
// Parsing is strict too, because a signature over canonical bytes only means something when
// every reader sees the same document: duplicate object keys, floats, control characters in
// strings, invalid UTF-8 and nesting deeper than kMaxJsonDepth are errors. Nothing here throws.
//
//   MOTA_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJson(text, "1.root.json"));
//   MOTA_ASSIGN_OR_RETURN(std::string bytes, CanonicalJson(doc["signed"]));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

inline constexpr int kMaxJsonDepth = 64;

// Parses `text` strictly (see above). `what` names the document in error messages.
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what);

// The canonical encoding of `value`. Fails on a float or a control character anywhere inside
// it (naming the path).
Result<std::string> CanonicalJson(const nlohmann::json& value);

}  // namespace mota::tuf
