// Edits of mobilenet_v2's classifier used to measure (and test) the delta of a second release:
// the last Gemm / Conv / MatMul node's float weights and bias are changed in the converted graph.
#pragma once

#include <cstring>
#include <functional>
#include <vector>

#include "model/graph.h"

namespace mota::packager::measure {

// The classifier: the last Gemm / Conv / MatMul node; -1 when there is none.
inline int LastClassifierNode(const model::Graph& g) {
  for (int i = static_cast<int>(g.nodes.size()) - 1; i >= 0; --i) {
    const std::string& op = g.nodes[i].op_type;
    if (op == "Gemm" || op == "Conv" || op == "MatMul") return i;
  }
  return -1;
}

// Applies `edit` to the float values of constant input `input` of `node`; false when that input
// is not an f32 constant.
inline bool EditFloats(model::Graph* g, int node, size_t input,
                       const std::function<void(std::vector<float>*)>& edit) {
  if (input >= g->nodes[node].inputs.size() || g->nodes[node].inputs[input] < 0) return false;
  model::TensorInfo& t = g->tensors[g->nodes[node].inputs[input]];
  if (!t.is_constant || t.dtype != DType::kF32) return false;
  std::vector<float> values(t.constant.size / sizeof(float));
  std::memcpy(values.data(), t.constant.data, t.constant.size);
  edit(&values);
  std::vector<uint8_t> bytes(t.constant.size);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  t.constant = model::ConstData::Own(std::move(bytes));
  return true;
}

// A fine-tune of ten classes: weight rows 500..509 (classes are the weight's first dim) scaled by
// 1.01 and every bias shifted by 0.01.
inline bool RetrainTenClasses(model::Graph* g, int node) {
  return EditFloats(g, node, 1,
                    [](std::vector<float>* v) {
                      size_t row = v->size() / 1000;
                      for (size_t i = 500 * row; i < 510 * row; ++i) (*v)[i] *= 1.01f;
                    }) &&
         EditFloats(g, node, 2, [](std::vector<float>* v) {
           for (float& x : *v) x += 0.01f;
         });
}

// A retrained head: every weight scaled by 1.01, every bias shifted by 0.01.
inline bool RetrainWholeClassifier(model::Graph* g, int node) {
  return EditFloats(g, node, 1,
                    [](std::vector<float>* v) {
                      for (float& x : *v) x *= 1.01f;
                    }) &&
         EditFloats(g, node, 2, [](std::vector<float>* v) {
           for (float& x : *v) x += 0.01f;
         });
}

}  // namespace mota::packager::measure
