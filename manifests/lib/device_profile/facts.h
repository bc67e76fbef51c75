// From a device profile to the facts the conditions evaluator (manifests/lib/conditions) checks
// a variant's `requires` against: the device client's one way to decide what fits.
//
//   conditions::Fit fit = conditions::Evaluate(requires_, ToFacts(profile));
#pragma once

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/device_profile/device_profile.h"

namespace mota::device_profile {

// arch, cpu features, cores, RAM, OS name and version, SoC (app.soc), runtime version and every
// Vulkan device (api "vulkan", ids, the decoded driver version). Unknown profile fields become
// unknown facts (empty / 0), which no condition on them matches.
conditions::DeviceFacts ToFacts(const DeviceProfile& profile);

}  // namespace mota::device_profile
