#include "exec/backend.h"

#include <map>

#include "exec/reference/reference_backend.h"

namespace mota::exec {
namespace {

std::map<std::string, BackendFactory>& Factories() {
  static auto* factories = new std::map<std::string, BackendFactory>{
      {"reference", [](const BackendOptions& o) { return CreateReferenceBackend(o); }}};
  return *factories;
}

}  // namespace

BackendRegistrar::BackendRegistrar(const char* name, BackendFactory factory) { Factories()[name] = factory; }

Result<std::unique_ptr<Backend>> CreateBackend(const std::string& name, const BackendOptions& options) {
  if (options.threads < 1 || options.threads > 256) {
    return InvalidArgument("threads is ", options.threads, ": expected 1..256");
  }
  auto& factories = Factories();
  auto it = factories.find(name);
  // "auto" is the best CPU backend of this build: the reference one when nothing faster is built.
  if (it == factories.end() && name == "auto") it = factories.find("reference");
  if (it == factories.end()) {
    std::string list;
    for (const std::string& b : AvailableBackends()) list += (list.empty() ? "" : ", ") + b;
    return NotFound("unknown backend '", name, "': this build has ", list);
  }
  return it->second(options);
}

std::vector<std::string> AvailableBackends() {
  std::vector<std::string> names = {"auto"};
  for (const auto& [name, factory] : Factories()) {
    if (name != "auto") names.push_back(name);
  }
  return names;
}

}  // namespace mota::exec
