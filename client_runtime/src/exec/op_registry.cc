#include "exec/op_registry.h"

#include <algorithm>
#include <map>
#include <string>

namespace mota::exec {
namespace {

std::map<std::string, OpDef, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, OpDef, std::less<>>();
  return *registry;
}

}  // namespace

OpRegistrar::OpRegistrar(const OpDef& def) { Registry()[def.name] = def; }

const OpDef* FindOp(std::string_view name) {
  auto& r = Registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<const OpDef*> AllOps() {
  std::vector<const OpDef*> out;
  for (const auto& [name, def] : Registry()) out.push_back(&def);
  return out;
}

Result<std::vector<int64_t>> InferContext::IntInputValues(size_t i) const {
  if (!has_input(i)) return Error("input ", i, " is required");
  const TensorView& t = inputs[i];
  if (t.dtype != DType::kI64 && t.dtype != DType::kI32) {
    return Error("input ", i, " must be i32 or i64, got ", DTypeName(t.dtype));
  }
  if (t.data == nullptr) {
    return Unimplemented(node.op_type, " node '", node.name, "': input ", i,
                         " must be known when the model is prepared (a constant or computed from "
                         "shapes); it is computed at run time, which this runtime does not support "
                         "for this op");
  }
  return ReadIntValues(t);
}

}  // namespace mota::exec
