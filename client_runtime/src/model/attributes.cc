#include "model/attributes.h"

#include <algorithm>

namespace mota::model {

const Attribute* Attributes::Find(std::string_view name) const {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const Attribute& a, std::string_view n) { return a.name < n; });
  return (it != items_.end() && it->name == name) ? &*it : nullptr;
}

int64_t Attributes::GetInt(std::string_view name, int64_t fallback) const {
  const Attribute* a = Find(name);
  if (a == nullptr) return fallback;
  if (a->kind == Attribute::Kind::kFloat) return static_cast<int64_t>(a->f);
  return a->i;
}

float Attributes::GetFloat(std::string_view name, float fallback) const {
  const Attribute* a = Find(name);
  if (a == nullptr) return fallback;
  if (a->kind == Attribute::Kind::kInt) return static_cast<float>(a->i);
  return a->f;
}

std::string Attributes::GetString(std::string_view name, std::string_view fallback) const {
  const Attribute* a = Find(name);
  return a == nullptr ? std::string(fallback) : a->s;
}

std::vector<int64_t> Attributes::GetInts(std::string_view name) const {
  const Attribute* a = Find(name);
  if (a == nullptr) return {};
  if (a->kind == Attribute::Kind::kInt) return {a->i};
  return a->ints;
}

std::vector<float> Attributes::GetFloats(std::string_view name) const {
  const Attribute* a = Find(name);
  if (a == nullptr) return {};
  if (a->kind == Attribute::Kind::kFloat) return {a->f};
  return a->floats;
}

void Attributes::Set(Attribute attribute) {
  auto it = std::lower_bound(items_.begin(), items_.end(), attribute.name,
                             [](const Attribute& a, const std::string& n) { return a.name < n; });
  if (it != items_.end() && it->name == attribute.name) {
    *it = std::move(attribute);
  } else {
    items_.insert(it, std::move(attribute));
  }
}

void Attributes::SetInt(std::string_view name, int64_t value) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInt;
  a.i = value;
  Set(std::move(a));
}

void Attributes::SetFloat(std::string_view name, float value) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kFloat;
  a.f = value;
  Set(std::move(a));
}

void Attributes::SetString(std::string_view name, std::string_view value) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kString;
  a.s = value;
  Set(std::move(a));
}

void Attributes::SetInts(std::string_view name, std::vector<int64_t> value) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kInts;
  a.ints = std::move(value);
  Set(std::move(a));
}

void Attributes::SetFloats(std::string_view name, std::vector<float> value) {
  Attribute a;
  a.name = name;
  a.kind = Attribute::Kind::kFloats;
  a.floats = std::move(value);
  Set(std::move(a));
}

void Attributes::Erase(std::string_view name) {
  auto it = std::find_if(items_.begin(), items_.end(),
                         [&](const Attribute& a) { return a.name == name; });
  if (it != items_.end()) items_.erase(it);
}

}  // namespace mota::model
