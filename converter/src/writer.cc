#include "converter/src/writer.h"

#include <cstring>
#include <map>
#include <string_view>

#include "base/file.h"
#include "base/sha256.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"

namespace mota::converter {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

struct DataSection {
  std::vector<uint8_t> bytes;
  std::vector<fb::Buffer> buffers;
  std::map<std::string, int32_t> by_digest;  // sha256 + size -> buffer index

  int32_t Add(std::span<const uint8_t> payload) {
    const std::string key = Sha256Hex(payload) + ":" + std::to_string(payload.size());
    auto it = by_digest.find(key);
    if (it != by_digest.end()) return it->second;
    const uint64_t offset = format::AlignUp(bytes.size(), format::kDataAlignment);
    bytes.resize(offset, 0);
    bytes.insert(bytes.end(), payload.begin(), payload.end());
    buffers.emplace_back(offset, payload.size());
    const int32_t index = static_cast<int32_t>(buffers.size() - 1);
    by_digest.emplace(key, index);
    return index;
  }
};

Offset<fb::Attribute> BuildAttribute(FlatBufferBuilder& b, const model::Attribute& a) {
  auto name = b.CreateString(a.name);
  Offset<flatbuffers::Vector<int64_t>> ints;
  Offset<flatbuffers::Vector<float>> floats;
  Offset<flatbuffers::String> s;
  if (a.kind == model::Attribute::Kind::kInts) ints = b.CreateVector(a.ints);
  if (a.kind == model::Attribute::Kind::kFloats) floats = b.CreateVector(a.floats);
  if (a.kind == model::Attribute::Kind::kString) s = b.CreateString(a.s);
  fb::AttributeBuilder ab(b);
  ab.add_name(name);
  ab.add_kind(static_cast<fb::AttrKind>(a.kind));
  if (a.kind == model::Attribute::Kind::kInt) ab.add_i(a.i);
  if (a.kind == model::Attribute::Kind::kFloat) ab.add_f(a.f);
  if (!ints.IsNull()) ab.add_ints(ints);
  if (!floats.IsNull()) ab.add_floats(floats);
  if (!s.IsNull()) ab.add_s(s);
  return ab.Finish();
}

Result<Offset<fb::Tensor>> BuildTensor(FlatBufferBuilder& b, const model::TensorInfo& t,
                                       DataSection& data) {
  auto name = b.CreateString(t.name);
  std::vector<int64_t> dims;
  std::vector<Offset<flatbuffers::String>> symbols;
  bool any_symbol = false;
  for (const model::Dim& d : t.dims) {
    dims.push_back(d.value);
    any_symbol |= !d.symbol.empty();
  }
  if (any_symbol) {
    for (const model::Dim& d : t.dims) symbols.push_back(b.CreateString(d.symbol));
  }
  auto dims_off = b.CreateVector(dims);
  Offset<flatbuffers::Vector<Offset<flatbuffers::String>>> symbols_off;
  if (any_symbol) symbols_off = b.CreateVector(symbols);
  Offset<fb::QuantParams> quant;
  if (!t.quant.empty()) {
    quant = fb::CreateQuantParams(b, b.CreateVector(t.quant.scales),
                                  b.CreateVector(t.quant.zero_points), t.quant.axis);
  }
  int32_t buffer = -1;
  if (t.is_constant) {
    const int64_t count = NumElements(t.StaticShape());
    if (!t.IsStaticShape() || count < 0 ||
        static_cast<uint64_t>(count) * DTypeSize(t.dtype) != t.constant.size) {
      return InvalidArgument("constant '", t.name, "' has ", t.constant.size,
                             " bytes, which does not match its dtype ", DTypeName(t.dtype),
                             " and shape ", ShapeToString(t.StaticShape()));
    }
    buffer = data.Add(t.constant.bytes());
  }
  fb::TensorBuilder tb(b);
  tb.add_name(name);
  tb.add_dtype(static_cast<fb::DType>(t.dtype));
  tb.add_has_shape(t.has_shape);
  tb.add_dims(dims_off);
  if (any_symbol) tb.add_dim_symbols(symbols_off);
  if (!quant.IsNull()) tb.add_quant(quant);
  tb.add_buffer(buffer);
  return tb.Finish();
}

Offset<fb::Node> BuildNode(FlatBufferBuilder& b, const model::Node& n) {
  auto name = b.CreateString(n.name);
  auto op = b.CreateString(n.op_type);
  auto inputs = b.CreateVector(n.inputs);
  auto outputs = b.CreateVector(n.outputs);
  std::vector<Offset<fb::Attribute>> attrs;
  for (const model::Attribute& a : n.attrs.all()) attrs.push_back(BuildAttribute(b, a));
  return fb::CreateNode(b, name, op, inputs, outputs, b.CreateVector(attrs));
}

Offset<fb::Metadata> BuildMetadata(FlatBufferBuilder& b, const model::Metadata& m) {
  std::vector<Offset<fb::KeyValue>> props;
  for (const auto& [key, value] : m.properties) {  // std::map: sorted by key
    props.push_back(fb::CreateKeyValue(b, b.CreateString(key), b.CreateString(value)));
  }
  return fb::CreateMetadata(b, b.CreateString(m.producer), b.CreateString(m.source_sha256),
                            b.CreateString(m.precision), b.CreateVector(props));
}

}  // namespace

Result<std::vector<uint8_t>> SerializeModel(const model::Graph& graph) {
  MOTA_RETURN_IF_ERROR(graph.Validate());
  FlatBufferBuilder b(1 << 16);
  DataSection data;
  std::vector<Offset<fb::Tensor>> tensors;
  for (const model::TensorInfo& t : graph.tensors) {
    MOTA_ASSIGN_OR_RETURN(auto off, BuildTensor(b, t, data));
    tensors.push_back(off);
  }
  std::vector<Offset<fb::Node>> nodes;
  for (const model::Node& n : graph.nodes) nodes.push_back(BuildNode(b, n));
  auto tensors_off = b.CreateVector(tensors);
  auto nodes_off = b.CreateVector(nodes);
  auto inputs_off = b.CreateVector(graph.inputs);
  auto outputs_off = b.CreateVector(graph.outputs);
  auto buffers_off = b.CreateVectorOfStructs(data.buffers);
  auto meta_off = BuildMetadata(b, graph.metadata);
  auto root = fb::CreateModel(b, format::kModelFormatVersion, tensors_off, nodes_off, inputs_off,
                              outputs_off, buffers_off, meta_off);
  fb::FinishModelBuffer(b, root);

  format::ModelHeader header{};
  std::memcpy(header.magic, format::kModelMagic, sizeof(header.magic));
  header.format_version = format::kModelFormatVersion;
  header.header_size = format::kModelHeaderSize;
  header.graph_offset = format::kModelHeaderSize;
  header.graph_size = b.GetSize();
  header.data_offset = format::AlignUp(header.graph_offset + header.graph_size, format::kDataAlignment);
  header.data_size = data.bytes.size();
  header.file_size = header.data_offset + header.data_size;

  std::vector<uint8_t> out(header.file_size, 0);
  std::memcpy(out.data(), &header, sizeof(header));
  std::memcpy(out.data() + header.graph_offset, b.GetBufferPointer(), b.GetSize());
  if (!data.bytes.empty()) std::memcpy(out.data() + header.data_offset, data.bytes.data(), data.bytes.size());
  return out;
}

Status WriteModel(const model::Graph& graph, const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, SerializeModel(graph));
  return WriteFileAtomic(path, bytes);
}

}  // namespace mota::converter
