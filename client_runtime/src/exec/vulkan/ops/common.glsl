// Shared by every shader: fused activations (exec/activation.h; kinds in ActivationKind order)
// and the flat invocation index of 1-D kernels (vk_op.h Groups1D folds big grids into x, y).
#ifndef MOTA_COMMON_GLSL
#define MOTA_COMMON_GLSL

float apply_act(float x, uint kind, float alpha, float beta) {
  switch (kind) {
    case 1u: return max(x, 0.0);                                       // Relu
    case 2u: return min(max(x, alpha), beta);                          // Clip
    case 3u: return x >= 0.0 ? x : alpha * x;                          // LeakyRelu
    case 4u: return clamp(alpha * x + beta, 0.0, 1.0);                 // HardSigmoid
    case 5u: return x * clamp(x / 6.0 + 0.5, 0.0, 1.0);                // HardSwish
    case 6u: return 1.0 / (1.0 + exp(-x));                             // Sigmoid
    case 7u: {                                                         // Tanh, overflow-safe
      float e = exp(-2.0 * abs(x));
      return sign(x) * (1.0 - e) / (1.0 + e);
    }
    default: return x;
  }
}

uint flat_index() {
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}

#endif
