#include "converter/src/writer.h"

#include <cstring>
#include <map>
#include <string_view>
#include <tuple>

#include "base/file.h"
#include "base/sha256.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"

namespace mota::converter {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using flatbuffers::String;
using flatbuffers::Vector;

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

// Identical strings, shapes, attributes, quantization parameters and index lists are written
// once and referenced from every user: FlatBuffers offsets may share a target, and readers cannot
// tell. On small models with many nodes (PP-OCR's classifier: 54 convs of 5 attributes each)
// the repeats were a third of the graph section. The keys are the values themselves, so the
// output stays a deterministic function of the graph.
class Interner {
 public:
  explicit Interner(FlatBufferBuilder& b) : b_(b) {}

  Offset<String> Str(const std::string& s) { return b_.CreateSharedString(s); }

  template <typename T>
  Offset<Vector<T>> Vec(const std::vector<T>& v) {
    std::string key(1, static_cast<char>(sizeof(T)));  // 2 int32 differ from 1 int64
    if (!v.empty()) key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    auto [it, added] = vectors_.try_emplace(std::move(key));
    if (added) it->second = b_.CreateVector(v).o;
    return Offset<Vector<T>>(it->second);
  }

  template <typename T>
  Offset<Vector<Offset<T>>> Offsets(const std::vector<Offset<T>>& v) {
    std::string key;
    for (const Offset<T>& o : v) key.append(reinterpret_cast<const char*>(&o.o), sizeof(o.o));
    auto [it, added] = offset_vectors_.try_emplace(std::move(key));
    if (added) it->second = b_.CreateVector(v).o;
    return Offset<Vector<Offset<T>>>(it->second);
  }

  // Returns the offset stored under `key`, or builds it with `build` and stores it.
  template <typename Build>
  uint32_t Table(std::string key, Build build) {
    auto [it, added] = tables_.try_emplace(std::move(key));
    if (added) it->second = build().o;
    return it->second;
  }

 private:
  FlatBufferBuilder& b_;
  std::map<std::string, uint32_t> vectors_;  // element size, then the bytes
  std::map<std::string, uint32_t> offset_vectors_;
  std::map<std::string, uint32_t> tables_;
};

// Appends `v`'s bytes to `key`, length-prefixed so that fields cannot run into each other.
template <typename T>
void AppendKey(std::string& key, const T* data, size_t count) {
  const uint64_t n = count;
  key.append(reinterpret_cast<const char*>(&n), sizeof(n));
  if (count > 0) key.append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

Offset<fb::Attribute> BuildAttribute(FlatBufferBuilder& b, const model::Attribute& a,
                                     Interner& in) {
  std::string key(1, static_cast<char>(a.kind));
  AppendKey(key, a.name.data(), a.name.size());
  AppendKey(key, &a.i, 1);
  AppendKey(key, &a.f, 1);
  AppendKey(key, a.ints.data(), a.ints.size());
  AppendKey(key, a.floats.data(), a.floats.size());
  AppendKey(key, a.s.data(), a.s.size());
  const uint32_t off = in.Table(std::move(key), [&] {
    auto name = in.Str(a.name);
    Offset<Vector<int64_t>> ints;
    Offset<Vector<float>> floats;
    Offset<String> s;
    if (a.kind == model::Attribute::Kind::kInts) ints = in.Vec(a.ints);
    if (a.kind == model::Attribute::Kind::kFloats) floats = in.Vec(a.floats);
    if (a.kind == model::Attribute::Kind::kString) s = in.Str(a.s);
    fb::AttributeBuilder ab(b);
    ab.add_name(name);
    ab.add_kind(static_cast<fb::AttrKind>(a.kind));
    if (a.kind == model::Attribute::Kind::kInt) ab.add_i(a.i);
    if (a.kind == model::Attribute::Kind::kFloat) ab.add_f(a.f);
    if (!ints.IsNull()) ab.add_ints(ints);
    if (!floats.IsNull()) ab.add_floats(floats);
    if (!s.IsNull()) ab.add_s(s);
    return ab.Finish();
  });
  return Offset<fb::Attribute>(off);
}

Offset<fb::QuantParams> BuildQuant(FlatBufferBuilder& b, const model::QuantParams& q,
                                   Interner& in) {
  std::string key;
  AppendKey(key, q.scales.data(), q.scales.size());
  AppendKey(key, q.zero_points.data(), q.zero_points.size());
  AppendKey(key, &q.axis, 1);
  return Offset<fb::QuantParams>(in.Table(std::move(key), [&] {
    return fb::CreateQuantParams(b, in.Vec(q.scales), in.Vec(q.zero_points), q.axis);
  }));
}

Result<Offset<fb::Tensor>> BuildTensor(FlatBufferBuilder& b, const model::TensorInfo& t,
                                       DataSection& data, Interner& in) {
  auto name = in.Str(t.name);
  std::vector<int64_t> dims;
  std::vector<Offset<String>> symbols;
  bool any_symbol = false;
  for (const model::Dim& d : t.dims) {
    dims.push_back(d.value);
    any_symbol |= !d.symbol.empty();
  }
  if (any_symbol) {
    for (const model::Dim& d : t.dims) symbols.push_back(in.Str(d.symbol));
  }
  auto dims_off = in.Vec(dims);
  Offset<Vector<Offset<String>>> symbols_off;
  if (any_symbol) symbols_off = in.Offsets(symbols);
  Offset<fb::QuantParams> quant;
  if (!t.quant.empty()) quant = BuildQuant(b, t.quant, in);
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

Offset<fb::Node> BuildNode(FlatBufferBuilder& b, const model::Node& n, Interner& in) {
  auto name = in.Str(n.name);
  auto op = in.Str(n.op_type);
  auto inputs = in.Vec(n.inputs);
  auto outputs = in.Vec(n.outputs);
  std::vector<Offset<fb::Attribute>> attrs;
  for (const model::Attribute& a : n.attrs.all()) attrs.push_back(BuildAttribute(b, a, in));
  return fb::CreateNode(b, name, op, inputs, outputs, in.Offsets(attrs));
}

Offset<fb::Metadata> BuildMetadata(FlatBufferBuilder& b, const model::Metadata& m, Interner& in) {
  std::vector<Offset<fb::KeyValue>> props;
  for (const auto& [key, value] : m.properties) {  // std::map: sorted by key
    props.push_back(fb::CreateKeyValue(b, in.Str(key), in.Str(value)));
  }
  return fb::CreateMetadata(b, in.Str(m.producer), in.Str(m.source_sha256), in.Str(m.precision),
                            b.CreateVector(props));
}

}  // namespace

Result<std::vector<uint8_t>> SerializeModel(const model::Graph& graph) {
  MOTA_RETURN_IF_ERROR(graph.Validate());
  FlatBufferBuilder b(1 << 16);
  Interner in(b);
  DataSection data;
  std::vector<Offset<fb::Tensor>> tensors;
  for (const model::TensorInfo& t : graph.tensors) {
    MOTA_ASSIGN_OR_RETURN(auto off, BuildTensor(b, t, data, in));
    tensors.push_back(off);
  }
  std::vector<Offset<fb::Node>> nodes;
  for (const model::Node& n : graph.nodes) nodes.push_back(BuildNode(b, n, in));
  auto tensors_off = b.CreateVector(tensors);
  auto nodes_off = b.CreateVector(nodes);
  auto inputs_off = b.CreateVector(graph.inputs);
  auto outputs_off = b.CreateVector(graph.outputs);
  auto buffers_off = b.CreateVectorOfStructs(data.buffers);
  auto meta_off = BuildMetadata(b, graph.metadata, in);
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
