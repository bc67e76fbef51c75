// mota's one error type lives in manifests/lib/status (the bottom of the dependency graph, so the
// format libraries, the runtime, the toolchain and the server all share it). This header keeps
// the runtime's include path.
#pragma once

#include "manifests/lib/status/status.h"
