// The SPIR-V modules compiled from ops/*.comp at build time (cmake/MotaShaders.cmake generates
// the definitions). A shader is named by its file stem: ops/conv_gemm.comp -> "conv_gemm".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mota::exec::vk {

struct ShaderBinary {
  const char* name;
  const uint32_t* words;
  size_t size;  // in 32-bit words
};

// Null when no shader has that name.
const ShaderBinary* FindShader(std::string_view name);
// Every embedded shader, sorted by name.
std::span<const ShaderBinary> AllShaders();

}  // namespace mota::exec::vk
