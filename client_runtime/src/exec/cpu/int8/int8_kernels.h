// mota's prepared int8 kernels (exec/cpu/kernels.h, seam 3) on the int8 GEMM core
// (int8_gemm.h):
//  - "int8_gemm_conv": QLinearConv with group 1, 1-D or 2-D, any kernel / stride / pad /
//    dilation, constant w, scales, zero points and bias.
//  - "int8_gemm_matmul": QLinearMatMul with a constant 2-D B.
// Both decline (nullptr) what they do not handle; the node then runs on the fast or reference
// kernel. `isa` forces an ISA (tests); nullptr picks the best for this CPU.
#pragma once

#include <memory>
#include <span>

#include "exec/cpu/int8/int8_gemm.h"
#include "exec/cpu/kernels.h"

namespace mota::exec::int8 {

Result<std::unique_ptr<PreparedKernel>> CreateQLinearConvGemm(const model::Node& node,
                                                              std::span<const TensorView> inputs,
                                                              std::span<const TensorView> outputs,
                                                              const Isa* isa);

Result<std::unique_ptr<PreparedKernel>> CreateQLinearMatMulGemm(const model::Node& node,
                                                                std::span<const TensorView> inputs,
                                                                std::span<const TensorView> outputs,
                                                                const Isa* isa);

}  // namespace mota::exec::int8
