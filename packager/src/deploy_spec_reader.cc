#include "packager/src/deploy_spec_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <regex>
#include <set>

#include "base/status.h"

namespace mota::packager::deploy_internal {
namespace {

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

bool IsYamlBool(const std::string& s) {
  static const std::set<std::string> kBools = {"yes",  "Yes",  "YES",  "no",    "No",    "NO",
                                               "true", "True", "TRUE", "false", "False", "FALSE",
                                               "on",   "On",   "ON",   "off",   "Off",   "OFF"};
  return kBools.count(s) > 0;
}

bool IsYamlNullText(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// PyYAML's float form needs a dot (or is inf/nan); plain integers also count as numbers.
bool IsYamlFloatText(const std::string& s) {
  static const std::regex kFloat(R"([-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  static const std::regex kSpecial(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  return std::regex_match(s, kFloat) || std::regex_match(s, kSpecial);
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

void Diagnostics::Error(const YAML::Mark& mark, const std::string& message) {
  // yaml-cpp marks are 0-based; editors and compilers count from 1.
  errors_.push_back(Item{mark.line + 1, mark.column + 1,
                         StrCat(file_, ":", mark.line + 1, ":", mark.column + 1, ": ", message)});
}

std::vector<std::string> Diagnostics::Sorted() const {
  std::vector<Item> items = errors_;
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  std::vector<std::string> out;
  for (Item& item : items) out.push_back(std::move(item.text));
  return out;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::string JoinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Integer syntax (YAML 1.2 core schema, decimal or hex), whatever its size.
bool IsYamlIntText(const std::string& text, bool* hex) {
  static const std::regex kDecimal(R"(-?(0|[1-9][0-9]*))");
  static const std::regex kHex(R"(0x[0-9a-fA-F]+)");
  *hex = std::regex_match(text, kHex);
  return *hex || std::regex_match(text, kDecimal);
}

bool ParseYamlInt(const std::string& text, int64_t* out) {
  bool hex = false;
  if (!IsYamlIntText(text, &hex)) return false;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, hex ? 16 : 10);
  if (errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

ScalarKind Classify(const YAML::Node& node) {
  if (node.IsSequence()) return ScalarKind::kList;
  if (node.IsMap()) return ScalarKind::kMap;
  if (!node.IsScalar()) return ScalarKind::kNull;
  if (!IsPlain(node)) return ScalarKind::kString;
  const std::string& s = node.Scalar();
  int64_t unused;
  if (IsYamlNullText(s)) return ScalarKind::kNull;
  if (IsYamlBool(s)) return ScalarKind::kBool;
  if (ParseYamlInt(s, &unused)) return ScalarKind::kInt;
  if (IsYamlFloatText(s)) return ScalarKind::kNumber;
  return ScalarKind::kString;
}

std::string Describe(const YAML::Node& node) {
  switch (Classify(node)) {
    case ScalarKind::kNull:
      return "nothing (null)";
    case ScalarKind::kList:
      return "a list";
    case ScalarKind::kMap:
      return "a mapping";
    case ScalarKind::kBool:
      return "the boolean " + node.Scalar();
    case ScalarKind::kInt:
    case ScalarKind::kNumber:
      return "the number " + node.Scalar();
    case ScalarKind::kString:
      break;
  }
  return "the string " + Quote(node.Scalar());
}

YAML::Mark Entry::ValueMark() const {
  return Classify(value) == ScalarKind::kNull && !value.IsScalar() ? key_node.Mark() : value.Mark();
}

MapReader::MapReader(Diagnostics& diag, const YAML::Node& node, std::string where,
                     std::string prefix, std::vector<std::string_view> allowed)
    : diag_(diag), where_(std::move(where)), prefix_(std::move(prefix)), mark_(node.Mark()) {
  if (!node.IsMap()) {
    // The prefix "requires.gpu." names this mapping: "requires.gpu".
    const std::string self = prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1);
    const std::string label = where_.empty() ? self : self.empty() ? where_ : where_ + ": " + self;
    diag_.Error(node.Mark(), StrCat(label.empty() ? "the file" : label,
                                    ": expected a mapping of keys, got ", Describe(node)));
    return;
  }
  ok_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    Entry e{"", it->first, it->second};
    if (Classify(it->first) != ScalarKind::kString) {
      const bool number =
          Classify(it->first) == ScalarKind::kInt || Classify(it->first) == ScalarKind::kNumber;
      diag_.Error(it->first.Mark(),
                  StrCat(Label(it->first.IsScalar() ? it->first.Scalar() : "<key>"),
                         ": keys must be strings, got ", Describe(it->first),
                         number ? StrCat(" (quote it: \"", it->first.Scalar(), "\")") : ""));
      continue;
    }
    e.key = it->first.Scalar();
    // No allowed list: any name is a key (input names, GPU families).
    const bool known =
        allowed.empty() || std::find(allowed.begin(), allowed.end(), e.key) != allowed.end();
    const bool duplicate = Get(e.key) != nullptr;
    if (duplicate) {
      diag_.Error(e.key_node.Mark(), Label(e.key) + ": key given twice (remove one)");
    } else if (!known) {
      std::string_view best;
      int best_distance = 3;  // suggest only near misses (distance <= 2)
      for (std::string_view a : allowed) {
        const int d = EditDistance(e.key, a);
        if (d < best_distance) best_distance = d, best = a;
      }
      std::string message = StrCat(where_.empty() ? std::string() : where_ + ": ", "unknown key ",
                                   Quote(prefix_ + e.key));
      if (!best.empty())
        message += StrCat(" (did you mean ", Quote(std::string(best)), "?)");
      else
        message += " (expected one of " + JoinNames(allowed) + ")";
      diag_.Error(e.key_node.Mark(), message);
    }
    if (!duplicate && known) entries_.push_back(std::move(e));
  }
}

const Entry* MapReader::Get(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Entry* MapReader::Require(std::string_view key) {
  const Entry* e = Get(key);
  if (e == nullptr && ok_) diag_.Error(mark_, Label(key) + ": missing (required)");
  return e;
}

std::string MapReader::Label(std::string_view key) const {
  const std::string field = prefix_ + std::string(key);
  return where_.empty() ? field : where_ + ": " + field;
}

bool ReadString(Diagnostics& diag, const Entry& e, const std::string& label, std::string* out) {
  const ScalarKind kind = Classify(e.value);
  if (kind == ScalarKind::kString) {
    *out = e.value.Scalar();
    return true;
  }
  std::string hint;
  if (kind == ScalarKind::kInt || kind == ScalarKind::kNumber || kind == ScalarKind::kBool) {
    hint = StrCat(" (YAML reads the plain ", e.value.Scalar(), " as a ",
                  kind == ScalarKind::kBool ? "boolean" : "number", "; quote it: \"",
                  e.value.Scalar(), "\")");
  }
  diag.Error(e.ValueMark(), StrCat(label, ": expected a string, got ", Describe(e.value), hint));
  return false;
}

bool ReadInt(Diagnostics& diag, const Entry& e, const std::string& label, int64_t min, int64_t max,
             int64_t* out) {
  int64_t v = 0;
  bool hex = false;
  if (e.value.IsScalar() && IsPlain(e.value) && IsYamlIntText(e.value.Scalar(), &hex) &&
      !ParseYamlInt(e.value.Scalar(), &v)) {  // an integer beyond 64 bits
    diag.Error(e.ValueMark(), StrCat(label, ": ", e.value.Scalar(), " is out of range (expected ",
                                     min, " to ", max, ")"));
    return false;
  }
  if (Classify(e.value) != ScalarKind::kInt || !ParseYamlInt(e.value.Scalar(), &v)) {
    diag.Error(e.ValueMark(), StrCat(label, ": expected an integer, got ", Describe(e.value)));
    return false;
  }
  if (v < min || v > max) {
    diag.Error(e.ValueMark(), StrCat(label, ": ", e.value.Scalar(), " is out of range (expected ",
                                     min, " to ", max, ")"));
    return false;
  }
  *out = v;
  return true;
}

bool ReadNumber(Diagnostics& diag, const Entry& e, const std::string& label, double min, double max,
                double* out) {
  const ScalarKind kind = Classify(e.value);
  const std::string& s = e.value.IsScalar() ? e.value.Scalar() : std::string();
  char* end = nullptr;
  const double v = (kind == ScalarKind::kInt || kind == ScalarKind::kNumber)
                       ? std::strtod(s.c_str(), &end)
                       : std::numeric_limits<double>::quiet_NaN();
  if (kind != ScalarKind::kInt && kind != ScalarKind::kNumber) {
    diag.Error(e.ValueMark(), StrCat(label, ": expected a number, got ", Describe(e.value)));
    return false;
  }
  if (!(v >= min && v <= max)) {  // also rejects .nan and the infinities
    diag.Error(e.ValueMark(),
               StrCat(label, ": ", s, " is out of range (expected ", min, " to ", max, ")"));
    return false;
  }
  *out = v;
  return true;
}

bool ReadEnum(Diagnostics& diag, const Entry& e, const std::string& label,
              const std::vector<std::string_view>& allowed, std::string* out) {
  std::string s;
  if (Classify(e.value) == ScalarKind::kString || Classify(e.value) == ScalarKind::kInt ||
      Classify(e.value) == ScalarKind::kNumber) {
    s = e.value.Scalar();  // a plain number is not one of the names either: say so below
  } else {
    diag.Error(e.ValueMark(), StrCat(label, ": expected one of ", JoinNames(allowed), ", got ",
                                     Describe(e.value)));
    return false;
  }
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end() ||
      Classify(e.value) != ScalarKind::kString) {
    diag.Error(e.ValueMark(), StrCat(label, " ", Quote(s), " is not one of ", JoinNames(allowed)));
    return false;
  }
  *out = s;
  return true;
}

bool ReadVersion(Diagnostics& diag, const Entry& e, const std::string& label, int components,
                 std::string* out) {
  std::string s;
  if (!ReadString(diag, e, label, &s)) return false;
  int n = 0;
  if (!IsVersionText(s, &n) || (components != 0 && n != components)) {
    diag.Error(e.ValueMark(),
               StrCat(label, ": ", Quote(s), " is not a ",
                      components == 3 ? "MAJOR.MINOR.PATCH version (e.g. \"0.1.0\")"
                                      : "dotted numeric version (e.g. \"10\", \"512.615.0\")"));
    return false;
  }
  *out = s;
  return true;
}

bool IsVersionText(std::string_view v, int* components) {
  if (!conditions::IsDottedVersion(v)) return false;
  *components = 1 + static_cast<int>(std::count(v.begin(), v.end(), '.'));
  return true;
}

namespace {

// Checks the list shape (a non-empty sequence) and returns its elements as entries.
bool ListEntries(Diagnostics& diag, const Entry& e, const std::string& label,
                 std::vector<Entry>* out) {
  if (!e.value.IsSequence()) {
    diag.Error(e.ValueMark(), StrCat(label, ": expected a list, got ", Describe(e.value)));
    return false;
  }
  if (e.value.size() == 0) {
    diag.Error(e.ValueMark(),
               StrCat(label, ": an empty list matches nothing; omit the key to allow any value"));
    return false;
  }
  for (const YAML::Node& item : e.value) out->push_back(Entry{"", item, item});
  return true;
}

}  // namespace

bool ReadStringList(Diagnostics& diag, const Entry& e, const std::string& label,
                    const std::vector<std::string_view>& allowed, std::vector<std::string>* out,
                    std::vector<YAML::Mark>* marks) {
  std::vector<Entry> items;
  if (!ListEntries(diag, e, label, &items)) return false;
  bool ok = true;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_label = StrCat(label, "[", i, "]");
    std::string s;
    const bool read = allowed.empty() ? ReadString(diag, items[i], item_label, &s)
                                      : ReadEnum(diag, items[i], item_label, allowed, &s);
    if (!read) {
      ok = false;
    } else if (std::find(out->begin(), out->end(), s) != out->end()) {
      diag.Error(items[i].ValueMark(), StrCat(item_label, ": ", Quote(s), " is listed twice"));
      ok = false;
    } else {
      out->push_back(s);
      if (marks != nullptr) marks->push_back(items[i].ValueMark());
    }
  }
  return ok;
}

bool ReadIntList(Diagnostics& diag, const Entry& e, const std::string& label, int64_t min,
                 int64_t max, bool unique, std::vector<int64_t>* out) {
  std::vector<Entry> items;
  if (!ListEntries(diag, e, label, &items)) return false;
  bool ok = true;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_label = StrCat(label, "[", i, "]");
    int64_t v = 0;
    if (!ReadInt(diag, items[i], item_label, min, max, &v)) {
      ok = false;
    } else if (unique && std::find(out->begin(), out->end(), v) != out->end()) {
      diag.Error(items[i].ValueMark(), StrCat(item_label, ": ", v, " is listed twice"));
      ok = false;
    } else {
      out->push_back(v);
    }
  }
  return ok;
}

}  // namespace mota::packager::deploy_internal
