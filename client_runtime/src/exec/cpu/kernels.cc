#include "exec/cpu/kernels.h"

#include <algorithm>
#include <map>
#include <string>

namespace mota::exec {
namespace {

std::map<std::string, ComputeFn, std::less<>>& FastKernels() {
  static auto* kernels = new std::map<std::string, ComputeFn, std::less<>>();
  return *kernels;
}

std::vector<NhwcKernelFactory>& Factories() {
  static auto* factories = new std::vector<NhwcKernelFactory>();
  return *factories;
}

std::vector<PreparedKernelFactory>& Prepared() {
  static auto* factories = new std::vector<PreparedKernelFactory>();
  return *factories;
}

}  // namespace

ComputeFn FindFastKernel(std::string_view op_type) {
  auto it = FastKernels().find(op_type);
  return it == FastKernels().end() ? nullptr : it->second;
}

FastKernelRegistrar::FastKernelRegistrar(const char* op_type, ComputeFn compute) {
  FastKernels()[op_type] = compute;
}

std::vector<const NhwcKernelFactory*> NhwcKernelFactories() {
  std::vector<const NhwcKernelFactory*> out;
  for (const NhwcKernelFactory& f : Factories()) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(),
                   [](const NhwcKernelFactory* a, const NhwcKernelFactory* b) { return a->priority > b->priority; });
  return out;
}

NhwcKernelRegistrar::NhwcKernelRegistrar(const NhwcKernelFactory& factory) { Factories().push_back(factory); }

std::vector<const PreparedKernelFactory*> PreparedKernelFactories() {
  std::vector<const PreparedKernelFactory*> out;
  for (const PreparedKernelFactory& f : Prepared()) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(),
                   [](const PreparedKernelFactory* a, const PreparedKernelFactory* b) {
                     return a->priority > b->priority;
                   });
  return out;
}

PreparedKernelRegistrar::PreparedKernelRegistrar(const PreparedKernelFactory& factory) {
  Prepared().push_back(factory);
}

}  // namespace mota::exec
