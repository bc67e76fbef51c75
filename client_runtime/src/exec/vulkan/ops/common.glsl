// Shared by every shader: fused activations (exec/activation.h; kinds in ActivationKind order)
// and the flat invocation index of 1-D kernels (vk_op.h Groups1D folds big grids into x, y).
//
// Precision: a shader with a line `// mota: fp16` (before #version) is compiled
// twice (cmake/MotaShaders.cmake): as is ("<stem>", fp32), and with MOTA_FP16 defined
// ("<stem>_f16"). It declares its buffers with SF (the stored element type: float or float16_t)
// and computes elementwise work in AF (float16_t in the fp16 variant); sums over many terms
// (GEMM/convolution accumulators, reductions, softmax, averages) stay float in both.
#ifndef MOTA_COMMON_GLSL
#define MOTA_COMMON_GLSL

#ifdef MOTA_FP16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define SF float16_t
#define AF float16_t
#else
#define SF float
#define AF float
#endif

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

#ifdef MOTA_FP16
// apply_act in fp16: the piecewise-linear kinds natively, Sigmoid and Tanh through float (exp
// would overflow fp16 early, and GPUs evaluate it in fp32 anyway).
float16_t apply_act(float16_t x, uint kind, float alpha, float beta) {
  const float16_t zero = float16_t(0.0), one = float16_t(1.0);
  switch (kind) {
    case 1u: return max(x, zero);
    case 2u: return min(max(x, float16_t(alpha)), float16_t(beta));
    case 3u: return x >= zero ? x : float16_t(alpha) * x;
    case 4u: return clamp(float16_t(alpha) * x + float16_t(beta), zero, one);
    case 5u: return x * clamp(x / float16_t(6.0) + float16_t(0.5), zero, one);
    case 0u: return x;
    default: return float16_t(apply_act(float(x), kind, alpha, beta));
  }
}
#endif

uint flat_index() {
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}

#endif
