// The XNNPACK CPU backend ("xnnpack"; also "auto", the best CPU path of a build with XNNPACK).
//
// Per node, in this order: one of mota's NHWC kernels (exec/cpu/kernels.h) when a factory takes
// the node, XNNPACK when it supports the node (xnn_ops.h), a fast logical-layout kernel of ours,
// or the reference kernel. Consecutive XNNPACK nodes form one partition (one xnn_runtime);
// layouts and buffers are planned by step_plan.h. See README.md in this folder.
#pragma once

#include <memory>

#include "exec/backend.h"

namespace mota::exec::xnn {

// Switches for tests and measurements; the registered backends use the defaults.
struct AutoOptions {
  bool nhwc_kernels = true;  // use mota's NHWC kernels where a factory accepts a node
  bool fast_kernels = true;  // use mota's fast logical kernels over the reference ones
};

std::unique_ptr<Backend> CreateXnnBackend(const BackendOptions& options,
                                          const AutoOptions& auto_options = {});

}  // namespace mota::exec::xnn
