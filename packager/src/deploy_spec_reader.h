// Internal to deploy_spec.cc: typed, position-aware reading of yaml-cpp nodes that collects
// every error instead of stopping at the first. Plain scalars are typed as YAML 1.1 (PyYAML)
// types them, so the parser and the JSON Schema check (which reads the yaml with PyYAML) agree:
// a quoted "4" is a string, a plain 2.1 is a number, a plain yes is a boolean.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "packager/src/deploy_spec.h"

namespace mota::packager::deploy_internal {

// Collects "FILE:LINE:COLUMN: message" lines (1-based positions).
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void Error(const YAML::Mark& mark, const std::string& message);
  size_t count() const { return errors_.size(); }
  // The messages in file order (line, then column, then the order reported).
  std::vector<std::string> Sorted() const;

 private:
  struct Item {
    int line, column;
    std::string text;
  };
  std::string file_;
  std::vector<Item> errors_;
};

// Edit distance (insert, delete, substitute), for "did you mean" suggestions.
int EditDistance(std::string_view a, std::string_view b);
// "a, b, c".
std::string JoinNames(const std::vector<std::string_view>& names);

enum class ScalarKind { kNull, kBool, kInt, kNumber, kString, kList, kMap };
ScalarKind Classify(const YAML::Node& node);
// For "expected X, got ...": "the string 'four'", "a list", "nothing (null)", "the number 2.1".
std::string Describe(const YAML::Node& node);
// Parses a plain YAML integer (decimal or 0x hex); false on anything else or overflow.
bool ParseYamlInt(const std::string& text, int64_t* out);

// Whether `v` is a dotted numeric version (deploy-spec.md); sets its component count.
bool IsVersionText(std::string_view v, int* components);

// One `key: value` pair of a mapping.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  // Where errors about the value point: the value, or the key when the value is empty
  // (yaml-cpp places an empty value at the start of the next line).
  YAML::Mark ValueMark() const;
};

// A mapping with a fixed set of allowed keys (empty: any string key). The constructor reports a
// node that is not a mapping, keys that are not strings, duplicate keys and unknown keys (with a
// suggestion). Labels: "<where>: <prefix><key>", e.g. "variant 'cpu': requires.min_cores".
class MapReader {
 public:
  MapReader(Diagnostics& diag, const YAML::Node& node, std::string where, std::string prefix,
            std::vector<std::string_view> allowed);
  bool ok() const { return ok_; }  // the node was a mapping
  const Entry* Get(std::string_view key) const;
  // Like Get, but reports a missing key at the mapping's position.
  const Entry* Require(std::string_view key);
  std::string Label(std::string_view key) const;
  YAML::Mark mark() const { return mark_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  Diagnostics& diag_;
  std::string where_, prefix_;
  YAML::Mark mark_;
  std::vector<Entry> entries_;
  bool ok_ = false;
};

// Typed readers: each reports a wrong type or range at the value and returns false.
bool ReadString(Diagnostics& diag, const Entry& e, const std::string& label, std::string* out);
bool ReadInt(Diagnostics& diag, const Entry& e, const std::string& label, int64_t min, int64_t max,
             int64_t* out);
bool ReadNumber(Diagnostics& diag, const Entry& e, const std::string& label, double min, double max,
                double* out);
// A string that must be one of `allowed`: "<label> 'int4' is not one of fp32, fp16, ...".
bool ReadEnum(Diagnostics& diag, const Entry& e, const std::string& label,
              const std::vector<std::string_view>& allowed, std::string* out);
// A dotted numeric version (deploy-spec.md); `components` 0 = any count, else exactly that.
bool ReadVersion(Diagnostics& diag, const Entry& e, const std::string& label, int components,
                 std::string* out);

// A non-empty list without repeated values. Elements are checked by the element readers below;
// labels are "<label>[i]". `allowed` empty = any string.
bool ReadStringList(Diagnostics& diag, const Entry& e, const std::string& label,
                    const std::vector<std::string_view>& allowed, std::vector<std::string>* out,
                    std::vector<YAML::Mark>* marks = nullptr);
// `unique`: repeated values are an error (ids), not for shapes.
bool ReadIntList(Diagnostics& diag, const Entry& e, const std::string& label, int64_t min,
                 int64_t max, bool unique, std::vector<int64_t>* out);

// deploy_spec_conditions.cc: device conditions (`requires`, a quirk's `when`) under the label
// "<where>: <field>", with the contradiction checks of deploy-spec.md.
void ParseConditions(Diagnostics& diag, const YAML::Node& node, const std::string& where,
                     const std::string& field, DeviceConditions* out);

}  // namespace mota::packager::deploy_internal
