#include "exec/backend.h"

#include "exec/reference/reference_backend.h"

namespace mota::exec {

Result<std::unique_ptr<Backend>> CreateBackend(const std::string& name, const BackendOptions& options) {
  if (options.threads < 1 || options.threads > 256) {
    return InvalidArgument("threads is ", options.threads, ": expected 1..256");
  }
  if (name == "reference" || name == "auto") return CreateReferenceBackend(options);
  std::string list;
  for (const std::string& b : AvailableBackends()) list += (list.empty() ? "" : ", ") + b;
  return NotFound("unknown backend '", name, "': this build has ", list);
}

std::vector<std::string> AvailableBackends() { return {"auto", "reference"}; }

}  // namespace mota::exec
