#include "manifests/lib/tuf/interop_json.h"

#include "manifests/lib/tuf/canonical_json.h"

namespace mota::tuf {

// ParseJsonInterop and SigningBytes live in canonical_json.cc: the same parser and encoder with
// the control-character rule off.

Result<Envelope> ParseEnvelopeInterop(std::string_view bytes, std::string_view what) {
  MOTA_ASSIGN_OR_RETURN(Json doc, ParseJsonInterop(bytes, what));
  // ParseEnvelope checks the envelope (signatures, unknown fields) with `signed` emptied, since
  // only `signed` may hold PEM keys; the real `signed` object is put back afterwards.
  if (!doc.is_object()) return Invalid(what, ": expected an object");
  Json signed_json = doc.contains("signed") ? doc["signed"] : Json();
  Json stripped = doc;
  stripped["signed"] = Json::object();
  MOTA_ASSIGN_OR_RETURN(std::string text, CanonicalJson(stripped));
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(text, what));
  if (!signed_json.is_object()) return Invalid(what, ".signed: expected an object");
  env.signed_json = std::move(signed_json);
  return env;
}

}  // namespace mota::tuf
