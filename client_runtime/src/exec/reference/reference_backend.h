// The reference backend: portable C++ kernels for every op (exec/reference/ops/), one planned
// arena for intermediates, constants used in place. Correct first; not wasteful.
#pragma once

#include <memory>

#include "exec/backend.h"

namespace mota::exec {

std::unique_ptr<Backend> CreateReferenceBackend(const BackendOptions& options);

}  // namespace mota::exec
