// Reading metadata written by other TUF implementations (python-tuf / securesystemslib, go-tuf,
// tuf-on-ci), whose keys are PEM strings with newlines. securesystemslib's canonical JSON (the
// signed bytes) passes control characters through raw; mota's own writer refuses them
// (canonical_json.h: raw, they are not JSON, so mota never writes such a document). A verifier
// must reproduce the signer's exact bytes, so the device's TUF client reads with these:
//
//  - ParseJsonInterop: canonical_json.h's strict parse (duplicate keys, floats and excessive
//    nesting are errors), except that escaped control characters inside strings are accepted.
//  - ParseEnvelopeInterop: ParseEnvelope over ParseJsonInterop.
//  - SigningBytes: the OLPC canonical bytes, control characters raw; equal to CanonicalJson
//    wherever that succeeds. Signatures are checked over these (verify.cc ValidSigners).
#pragma once

#include <string>
#include <string_view>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

Result<Json> ParseJsonInterop(std::string_view text, std::string_view what);
Result<Envelope> ParseEnvelopeInterop(std::string_view bytes, std::string_view what);
Result<std::string> SigningBytes(const Json& value);

}  // namespace mota::tuf
