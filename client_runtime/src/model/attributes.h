// Node attributes: a small list of named scalars, lists and strings. Kernels read them once at
// prepare time, never per element.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mota::model {

struct Attribute {
  enum class Kind : uint8_t { kInt = 1, kFloat = 2, kInts = 3, kFloats = 4, kString = 5 };
  std::string name;
  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.0f;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;
};

// Kept sorted by name, so that two equal attribute sets serialize identically.
class Attributes {
 public:
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  const Attribute* Find(std::string_view name) const;

  int64_t GetInt(std::string_view name, int64_t fallback) const;
  float GetFloat(std::string_view name, float fallback) const;
  std::string GetString(std::string_view name, std::string_view fallback) const;
  // Empty when absent.
  std::vector<int64_t> GetInts(std::string_view name) const;
  std::vector<float> GetFloats(std::string_view name) const;

  void SetInt(std::string_view name, int64_t value);
  void SetFloat(std::string_view name, float value);
  void SetString(std::string_view name, std::string_view value);
  void SetInts(std::string_view name, std::vector<int64_t> value);
  void SetFloats(std::string_view name, std::vector<float> value);
  void Set(Attribute attribute);
  void Erase(std::string_view name);

  const std::vector<Attribute>& all() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Attribute> items_;
};

}  // namespace mota::model
