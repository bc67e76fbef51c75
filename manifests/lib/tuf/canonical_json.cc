#include "manifests/lib/tuf/canonical_json.h"

#include <cstdio>
#include <set>
#include <vector>

#include "manifests/lib/tuf/interop_json.h"

namespace mota::tuf {
namespace {

using json = nlohmann::json;

std::string ControlCharacter(const std::string& s);

// A SAX pass that only validates: it finds duplicate keys, floats and excessive nesting, and
// remembers where the first problem is so the error can name the byte offset.
class StrictValidator : public json::json_sax_t {
 public:
  // `refuse_control`: control characters in strings and keys are errors (mota's own documents);
  // off for interop_json.h, which reads documents signed by other TUF implementations.
  explicit StrictValidator(bool refuse_control) : refuse_control_(refuse_control) {}
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t& text) override {
    return Fail(Cat("number ", text,
                    " is not an integer (canonical JSON allows only integers "
                    "from -2^63 to 2^64-1)"));
  }
  bool string(string_t& s) override { return CheckControl(s, "string"); }
  bool binary(binary_t&) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return CheckDepth();
  }
  bool key(string_t& k) override {
    if (!CheckControl(k, "object key")) return false;
    if (!keys_.back().insert(k).second) return Fail(Cat("duplicate object key \"", k, "\""));
    return true;
  }
  bool end_object() override {
    keys_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    keys_.emplace_back();  // keeps the depth count; arrays have no keys
    return CheckDepth();
  }
  bool end_array() override {
    keys_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    if (error.empty())
      error = Cat("not valid JSON at byte ", position, " near '", token, "': ", e.what());
    return false;
  }

 private:
  bool Fail(std::string message) {
    error = std::move(message);
    return false;
  }
  // See CheckNoControl below.
  bool CheckControl(const std::string& s, const char* what) {
    if (!refuse_control_) return true;
    const std::string code = ControlCharacter(s);
    if (code.empty()) return true;
    return Fail(Cat(what, " \"", s.substr(0, 40), "\" holds control character ", code,
                    ", which canonical JSON cannot carry (escape-free output would not be JSON)"));
  }
  bool CheckDepth() {
    if (static_cast<int>(keys_.size()) <= kMaxJsonDepth) return true;
    return Fail(Cat("nesting deeper than ", kMaxJsonDepth, " levels"));
  }
  bool refuse_control_;
  std::vector<std::set<std::string>> keys_;
};

// The first control character (U+0000..U+001F) in `s`, as "U+000A"; empty when there is none.
std::string ControlCharacter(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20) {
      char code[8];
      std::snprintf(code, sizeof(code), "U+%04X", c);
      return code;
    }
  }
  return "";
}

// Canonical JSON passes control characters through raw, and raw ones are not JSON: a document
// holding one would sign bytes that no JSON reader (ours included) accepts back.
Status CheckNoControl(const std::string& s, const std::string& path, const char* what) {
  const std::string code = ControlCharacter(s);
  if (code.empty()) return Status::Ok();
  return Invalid("canonical JSON: ", path, ": ", what, " holds control character ", code,
                 ", which canonical JSON cannot carry (raw, it is not JSON)");
}

void AppendString(const std::string& s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

Status Append(const json& value, const std::string& path, bool refuse_control, std::string& out) {
  switch (value.type()) {
    case json::value_t::null:
      out += "null";
      return Status::Ok();
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return Status::Ok();
    case json::value_t::number_integer:
      out += std::to_string(value.get<int64_t>());
      return Status::Ok();
    case json::value_t::number_unsigned:
      out += std::to_string(value.get<uint64_t>());
      return Status::Ok();
    case json::value_t::string:
      if (refuse_control) {
        MOTA_RETURN_IF_ERROR(CheckNoControl(value.get_ref<const std::string&>(), path, "string"));
      }
      AppendString(value.get_ref<const std::string&>(), out);
      return Status::Ok();
    case json::value_t::array: {
      out.push_back('[');
      for (size_t i = 0; i < value.size(); ++i) {
        if (i) out.push_back(',');
        MOTA_RETURN_IF_ERROR(Append(value[i], Cat(path, "[", i, "]"), refuse_control, out));
      }
      out.push_back(']');
      return Status::Ok();
    }
    case json::value_t::object: {
      // nlohmann's object is a std::map<std::string, ...>: iteration is already in byte order.
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.items()) {
        if (!first) out.push_back(',');
        first = false;
        if (refuse_control) MOTA_RETURN_IF_ERROR(CheckNoControl(k, Cat(path, ".", k), "key"));
        AppendString(k, out);
        out.push_back(':');
        MOTA_RETURN_IF_ERROR(Append(v, Cat(path, ".", k), refuse_control, out));
      }
      out.push_back('}');
      return Status::Ok();
    }
    case json::value_t::number_float:
      return Invalid("canonical JSON: ", path, " is a float (", value.get<double>(),
                     "); only integers are allowed");
    default:
      return Invalid("canonical JSON: ", path, " has a type JSON cannot express");
  }
}

Result<json> Parse(std::string_view text, std::string_view what, bool refuse_control) {
  StrictValidator validator(refuse_control);
  const bool valid = json::sax_parse(text.begin(), text.end(), &validator,
                                     json::input_format_t::json, /*strict=*/true);
  if (!valid) {
    return Invalid(what, ": ", validator.error.empty() ? "not valid JSON" : validator.error);
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid(what, ": not valid JSON");
  return doc;
}

Result<std::string> Encode(const json& value, bool refuse_control) {
  std::string out;
  MOTA_RETURN_IF_ERROR(Append(value, "$", refuse_control, out));
  return out;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what) {
  return Parse(text, what, /*refuse_control=*/true);
}

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  return Encode(value, /*refuse_control=*/true);
}

// interop_json.h: the same rules with control characters passed through raw.
Result<Json> ParseJsonInterop(std::string_view text, std::string_view what) {
  return Parse(text, what, /*refuse_control=*/false);
}

Result<std::string> SigningBytes(const Json& value) {
  return Encode(value, /*refuse_control=*/false);
}

}  // namespace mota::tuf
