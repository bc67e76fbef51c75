// Signing TUF metadata lives in manifests/lib/tuf_sign (shared with the update server). This
// header keeps the packager's names.
#pragma once

#include "manifests/lib/tuf_sign/sign.h"
#include "packager/src/keys.h"

namespace mota::packager {

using tuf::AddSignatures;
using tuf::SignEnvelope;
using tuf::SignSigned;

}  // namespace mota::packager
