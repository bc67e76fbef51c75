// The packager's signing keys are manifests/lib/tuf_sign's (shared with the update server, which
// signs snapshot and timestamp with its online keys). This header keeps the packager's names.
#pragma once

#include "base/status.h"
#include "manifests/lib/tuf_sign/keys.h"

namespace mota::packager {

using tuf::LoadPublicKey;
using tuf::SigningKey;
using tuf::WritePublicKeyPem;

}  // namespace mota::packager
