// Small helpers shared by the graph passes: who produces and who reads each tensor, rewiring
// uses, removing nodes while keeping topological order, and reading / creating constants.
//
// Passes follow one pattern: build a GraphUses index, find one rewrite, apply it, and rebuild
// the index before looking for the next one. That costs O(nodes) per rewrite, which is cheap for
// real models and keeps every rewrite simple and obviously consistent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::converter {

// Producers and consumers of every tensor, as of the moment it was built.
struct GraphUses {
  std::vector<int32_t> producer;                // node index per tensor, -1 when none
  std::vector<std::vector<int32_t>> consumers;  // node indices per tensor, once per input slot
  std::vector<uint8_t> is_graph_input;
  std::vector<uint8_t> is_graph_output;

  static GraphUses Build(const model::Graph& graph);

  // Node input slots plus graph outputs that read tensor t.
  int32_t UseCount(int32_t t) const;
  // True when t is read by exactly one node input slot and is not a graph output: the
  // condition for absorbing the producer of t into its single consumer.
  bool OnlyFeeds(int32_t t, int32_t node) const;
  // The producing node of t when it exists, else -1 (graph inputs, constants, bad ids).
  int32_t ProducerOf(int32_t t) const;
};

// Rewires every node input reading `from` to read `to` (graph outputs are left alone).
void ReplaceUses(model::Graph& graph, int32_t from, int32_t to);

// Removes the nodes whose flag is set, keeping the order of the others.
void RemoveNodes(model::Graph& graph, const std::vector<uint8_t>& remove);
void RemoveNode(model::Graph& graph, int32_t node);

// True when `t` is a graph input / output.
bool IsGraphInput(const model::Graph& graph, int32_t t);
bool IsGraphOutput(const model::Graph& graph, int32_t t);

// A tensor name not used yet in the graph: `base`, else `base_1`, `base_2`, ...
std::string UniqueTensorName(const model::Graph& graph, std::string_view base);

// A view of a constant tensor (data set) or, for a non-constant with a static shape, of its
// type and shape (data null). nullopt when the shape or dtype is not known statically.
std::optional<exec::TensorView> StaticView(const model::Graph& graph, int32_t t);

// True when t is a constant f32 tensor.
bool IsF32Constant(const model::Graph& graph, int32_t t);
// The values of a constant numeric tensor as floats; nullopt when t is not a numeric constant.
std::optional<std::vector<float>> ConstantAsFloats(const model::Graph& graph, int32_t t);
// The value of a constant with exactly one element, as a float (any numeric dtype).
std::optional<float> ScalarConstant(const model::Graph& graph, int32_t t);
// The values of a constant i32 / i64 tensor.
std::optional<std::vector<int64_t>> ConstantAsInts(const model::Graph& graph, int32_t t);

// Adds a new f32 constant named after `base` (made unique); returns its id.
int32_t AddF32Constant(model::Graph& graph, std::string_view base, const Shape& shape,
                       const std::vector<float>& values);
int32_t AddI64Constant(model::Graph& graph, std::string_view base, const Shape& shape,
                       const std::vector<int64_t>& values);

// Shape of a tensor with static dims (any rank), nullopt otherwise.
std::optional<Shape> StaticShapeOf(const model::Graph& graph, int32_t t);

// Copies the fused-activation attributes of `from` onto `to` (nothing when `from` has none).
void CopyActivation(const model::Node& from, model::Node& to);
bool HasActivation(const model::Node& node);

}  // namespace mota::converter
