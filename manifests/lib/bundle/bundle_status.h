// manifests/lib/bundle reports errors with mota's one Status type (manifests/lib/status), plus a
// helper that builds one from a code and message parts. Exception-free: the device links this code.
#pragma once

#include "manifests/lib/status/status.h"

namespace mota::bundle {

template <typename... Args>
Status MakeStatus(StatusCode code, const Args&... args) {
  return Status(code, StrCat(args...));
}

}  // namespace mota::bundle
