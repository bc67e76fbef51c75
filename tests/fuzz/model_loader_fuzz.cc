// The .mota loader (client_runtime/src/model/loader.h): verify, build the Graph, and plan it
// (shape inference, constant folding, memory plan) as a session would. A hostile file must
// yield a Status at each step, never a crash, and a graph the loader accepts must validate.
#include <cstring>
#include <vector>

#include "exec/plan.h"
#include "fuzz_target.h"
#include "model/loader.h"

namespace {

// Planning is cheap for small graphs; an input that asks for enormous tensors only costs time.
constexpr int64_t kMaxInputElements = int64_t{1} << 20;

// Concrete shapes for the graph's inputs (symbolic dims = 1); false when the rank is unknown or
// an input is too big to plan quickly.
bool InputShapes(const mota::model::Graph& graph, std::vector<mota::Shape>* shapes) {
  for (int32_t id : graph.inputs) {
    const mota::model::TensorInfo& t = graph.tensors[id];
    if (!t.has_shape) return false;
    mota::Shape shape;
    int64_t elements = 1;
    for (const mota::model::Dim& d : t.dims) {
      shape.push_back(d.is_static() ? d.value : 1);
      if (shape.back() > 0 && elements > kMaxInputElements / shape.back()) return false;
      elements *= shape.back();
    }
    shapes->push_back(std::move(shape));
  }
  return true;
}

int Run(const uint8_t* data, size_t size) {
  // The loader expects the file where mmap puts it: 64-byte aligned (tensor data alignment).
  std::vector<uint8_t> storage(size + 64);
  uint8_t* aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  if (size > 0) std::memcpy(aligned, data, size);
  uint32_t version = 0;
  mota::Result<mota::model::Graph> graph = mota::model::ParseModel({aligned, size}, &version);
  if (!graph.ok()) return 0;
  MOTA_FUZZ_CHECK(graph.value().Validate().ok(), graph.value().Validate().ToString());
  std::vector<mota::Shape> shapes;
  if (!InputShapes(graph.value(), &shapes)) return 0;
  (void)mota::exec::PlanExecution(graph.value(), shapes);
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("model_loader", Run)
