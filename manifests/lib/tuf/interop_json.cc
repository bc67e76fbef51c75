#include "manifests/lib/tuf/interop_json.h"

#include <set>
#include <vector>

#include "manifests/lib/tuf/canonical_json.h"

namespace mota::tuf {
namespace {

// canonical_json.cc's strict validator without its control-character rule (see the header).
class InteropValidator : public Json::json_sax_t {
 public:
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t& text) override {
    return Fail(Cat("number ", text, " is not an integer (canonical JSON allows only integers)"));
  }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return CheckDepth();
  }
  bool key(string_t& k) override {
    if (!keys_.back().insert(k).second) return Fail(Cat("duplicate object key \"", k, "\""));
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    keys_.emplace_back();
    return CheckDepth();
  }
  bool end_array() override {
    keys_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    if (error.empty()) error = Cat("not valid JSON at byte ", position, " near '", token, "'");
    return false;
  }

 private:
  bool Fail(std::string message) {
    error = std::move(message);
    return false;
  }
  bool CheckDepth() {
    if (static_cast<int>(keys_.size()) <= kMaxJsonDepth) return true;
    return Fail(Cat("nesting deeper than ", kMaxJsonDepth, " levels"));
  }
  std::vector<std::set<std::string>> keys_;
};

void AppendString(const std::string& s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

Status Append(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.items()) {  // std::map order = byte order
        if (!first) out.push_back(',');
        first = false;
        AppendString(k, out);
        out.push_back(':');
        MOTA_RETURN_IF_ERROR(Append(v, out));
      }
      out.push_back('}');
      return Status::Ok();
    }
    case Json::value_t::array: {
      out.push_back('[');
      for (size_t i = 0; i < value.size(); ++i) {
        if (i) out.push_back(',');
        MOTA_RETURN_IF_ERROR(Append(value[i], out));
      }
      out.push_back(']');
      return Status::Ok();
    }
    case Json::value_t::string:
      AppendString(value.get_ref<const std::string&>(), out);
      return Status::Ok();
    default: {
      // Scalars: exactly canonical_json.h's encoding (floats are refused there).
      MOTA_ASSIGN_OR_RETURN(std::string scalar, CanonicalJson(value));
      out += scalar;
      return Status::Ok();
    }
  }
}

}  // namespace

Result<Json> ParseJsonInterop(std::string_view text, std::string_view what) {
  InteropValidator validator;
  if (!Json::sax_parse(text.begin(), text.end(), &validator, Json::input_format_t::json, true)) {
    return Invalid(what, ": ", validator.error.empty() ? "not valid JSON" : validator.error);
  }
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid(what, ": not valid JSON");
  return doc;
}

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

Result<std::string> SigningBytes(const Json& value) {
  std::string out;
  MOTA_RETURN_IF_ERROR(Append(value, out));
  return out;
}

}  // namespace mota::tuf
