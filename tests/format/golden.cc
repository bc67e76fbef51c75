#include "tests/format/golden.h"

#include <cstring>
#include <functional>

#include "converter/src/writer.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"

namespace mota::golden {
namespace {

using model::Dim;
using model::Graph;
using model::TensorInfo;

TensorInfo Activation(const std::string& name, std::vector<Dim> dims) {
  TensorInfo t;
  t.name = name;
  t.dtype = DType::kF32;
  t.has_shape = true;
  t.dims = std::move(dims);
  return t;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

Graph AddRelu() {
  Graph g;
  const int32_t x = g.AddTensor(Activation("x", {{2, {}}, {3, {}}}));
  const int32_t c = g.AddConstant("bias", DType::kF32, {3}, Bytes<float>({1.0f, -1.0f, 0.5f}));
  const int32_t sum = g.AddTensor(Activation("sum", {{2, {}}, {3, {}}}));
  const int32_t y = g.AddTensor(Activation("y", {{2, {}}, {3, {}}}));
  g.nodes.push_back({"add", "Add", {}, {x, c}, {sum}});
  g.nodes.push_back({"relu", "Relu", {}, {sum}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  g.metadata.producer = "mota golden";
  g.metadata.precision = "fp32";
  g.metadata.properties["purpose"] = "smallest runnable model";
  return g;
}

Graph SymbolicBatch() {
  Graph g;
  const int32_t x = g.AddTensor(Activation("x", {{-1, "batch"}, {4, {}}}));
  const int32_t y = g.AddTensor(Activation("y", {{-1, "batch"}, {4, {}}}));
  g.nodes.push_back({"relu", "Relu", {}, {x}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  g.metadata.producer = "mota golden";
  g.metadata.precision = "fp32";
  return g;
}

// Constants of every dtype, one quantized per channel, all exposed as graph outputs.
Graph AllDTypes() {
  Graph g;
  const int32_t x = g.AddTensor(Activation("x", {{1, {}}}));
  const int32_t y = g.AddTensor(Activation("y", {{1, {}}}));
  g.nodes.push_back({"relu", "Relu", {}, {x}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  g.outputs.push_back(g.AddConstant("f32", DType::kF32, {2}, Bytes<float>({1.5f, -2.0f})));
  g.outputs.push_back(g.AddConstant("f16", DType::kF16, {2}, Bytes<uint16_t>({0x3c00, 0xc000})));
  g.outputs.push_back(g.AddConstant("i8", DType::kI8, {2, 3}, Bytes<int8_t>({-128, -1, 0, 1, 2, 127})));
  g.tensors[g.outputs.back()].quant = model::QuantParams{{0.5f, 0.25f}, {0, 0}, 0};
  g.outputs.push_back(g.AddConstant("u8", DType::kU8, {3}, Bytes<uint8_t>({0, 128, 255})));
  g.outputs.push_back(g.AddConstant("i32", DType::kI32, {2}, Bytes<int32_t>({-7, 7})));
  g.outputs.push_back(g.AddConstant("i64", DType::kI64, {2}, Bytes<int64_t>({-1, int64_t{1} << 40})));
  g.outputs.push_back(g.AddConstant("bool", DType::kBool, {2}, Bytes<uint8_t>({1, 0})));
  g.metadata.producer = "mota golden";
  g.metadata.precision = "mixed";
  return g;
}

fb::Model* MutableRoot(std::vector<uint8_t>& bytes) {
  return fb::GetMutableModel(bytes.data() + format::kModelHeaderSize);
}

format::ModelHeader* Header(std::vector<uint8_t>& bytes) {
  return reinterpret_cast<format::ModelHeader*>(bytes.data());
}

struct Corruption {
  std::string name;
  std::string expected_error;
  std::string description;
  std::function<void(std::vector<uint8_t>&)> apply;
};

std::vector<Corruption> Corruptions() {
  return {
      {"empty.mota", "shorter than the 64-byte", "a zero-byte file",
       [](auto& b) { b.clear(); }},
      {"truncated.mota", "truncated or padded", "the valid add_relu model cut in half",
       [](auto& b) { b.resize(b.size() / 2); }},
      {"bad_magic.mota", "not a .mota file", "an ONNX-like file: the magic is wrong",
       [](auto& b) { std::memcpy(b.data(), "\x08\x07\x12\x04onnx", 8); }},
      {"future_version.mota", "format version 7 is not supported", "format_version 7",
       [](auto& b) { Header(b)->format_version = 7; }},
      {"graph_out_of_file.mota", "graph section", "graph_size points past the end of the file",
       [](auto& b) { Header(b)->graph_size = uint64_t{1} << 40; }},
      {"corrupt_flatbuffer.mota", "FlatBuffers verification", "the root table offset points outside the graph",
       [](auto& b) {
         const uint32_t off = 0x7ffffff0u;
         std::memcpy(b.data() + format::kModelHeaderSize, &off, 4);
       }},
      {"buffer_out_of_data.mota", "lies outside the data section", "a weight buffer's offset beyond the data section",
       [](auto& b) { MutableRoot(b)->mutable_buffers()->GetMutableObject(0)->mutate_offset(uint64_t{1} << 20); }},
      {"buffer_misaligned.mota", "not 64-byte aligned", "a weight buffer at offset 4",
       [](auto& b) { MutableRoot(b)->mutable_buffers()->GetMutableObject(0)->mutate_offset(4); }},
      {"buffer_size_mismatch.mota", "needs 12 bytes but its buffer has 8", "a 3-float tensor with an 8-byte buffer",
       [](auto& b) { MutableRoot(b)->mutable_buffers()->GetMutableObject(0)->mutate_size(8); }},
      {"absurd_dim.mota", "dim 0 is 1099511627776", "an activation dim of 2^40",
       [](auto& b) { MutableRoot(b)->mutable_tensors()->GetMutableObject(0)->mutable_dims()->Mutate(0, int64_t{1} << 40); }},
      {"negative_dim.mota", "dim 1 is -5", "a dim of -5",
       [](auto& b) { MutableRoot(b)->mutable_tensors()->GetMutableObject(0)->mutable_dims()->Mutate(1, -5); }},
      {"bad_dtype.mota", "invalid dtype 99", "a tensor dtype of 99",
       [](auto& b) { MutableRoot(b)->mutable_tensors()->GetMutableObject(0)->mutate_dtype(static_cast<fb::DType>(99)); }},
      {"cyclic_graph.mota", "before it is produced", "add reads relu's output, relu reads add's: a cycle",
       [](auto& b) {
         // add: inputs (x, bias) -> sum; relu: sum -> y. Make add read y.
         MutableRoot(b)->mutable_nodes()->GetMutableObject(0)->mutable_inputs()->Mutate(0, 3);
       }},
      {"tensor_index_out_of_range.mota", "refers to tensor 1000", "a node input index of 1000",
       [](auto& b) { MutableRoot(b)->mutable_nodes()->GetMutableObject(1)->mutable_inputs()->Mutate(0, 1000); }},
      {"produced_twice.mota", "is produced twice", "relu writes add's output again",
       [](auto& b) { MutableRoot(b)->mutable_nodes()->GetMutableObject(1)->mutable_outputs()->Mutate(0, 2); }},
      {"buffer_index_out_of_range.mota", "refers to buffer 9", "a constant pointing at buffer 9 of 1",
       [](auto& b) { MutableRoot(b)->mutable_tensors()->GetMutableObject(1)->mutate_buffer(9); }},
      {"file_size_mismatch.mota", "header says the file is", "file_size one byte too large",
       [](auto& b) { Header(b)->file_size += 1; }},
  };
}

}  // namespace

Result<std::vector<GoldenFile>> BuildValid() {
  std::vector<GoldenFile> out;
  const std::pair<const char*, Graph> graphs[] = {
      {"add_relu.mota", AddRelu()}, {"symbolic_batch.mota", SymbolicBatch()}, {"all_dtypes.mota", AllDTypes()}};
  for (const auto& [name, graph] : graphs) {
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, converter::SerializeModel(graph));
    out.push_back({name, std::move(bytes), "", ""});
  }
  return out;
}

Result<std::vector<GoldenFile>> BuildInvalid() {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> base, converter::SerializeModel(AddRelu()));
  std::vector<GoldenFile> out;
  for (const Corruption& c : Corruptions()) {
    std::vector<uint8_t> bytes = base;
    c.apply(bytes);
    out.push_back({c.name, std::move(bytes), c.expected_error, c.description});
  }
  return out;
}

}  // namespace mota::golden
