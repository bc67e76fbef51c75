#include "model/loader.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "manifests/model_generated.h"
#include "manifests/lib/model_format.h"

namespace mota::model {
namespace {

using format::ModelHeader;

Status CheckHeader(std::span<const uint8_t> bytes, ModelHeader* header) {
  if (bytes.size() < format::kModelHeaderSize) {
    return DataLoss("file is ", bytes.size(), " bytes, shorter than the ", format::kModelHeaderSize,
                    "-byte .mota header: truncated or not a .mota file");
  }
  std::memcpy(header, bytes.data(), sizeof(ModelHeader));
  if (std::memcmp(header->magic, format::kModelMagic, sizeof(header->magic)) != 0) {
    return InvalidArgument("not a .mota file: the first 8 bytes are not 'MOTAMODL'");
  }
  if (header->format_version == 0 || header->format_version > format::kModelFormatVersion) {
    return Status(StatusCode::kIncompatible,
                  StrCat(".mota format version ", header->format_version,
                         " is not supported by this runtime (supports 1..",
                         format::kModelFormatVersion, "): update the runtime or re-convert"));
  }
  if (header->header_size != format::kModelHeaderSize) {
    return DataLoss("header size is ", header->header_size, ", expected ", format::kModelHeaderSize);
  }
  const uint64_t size = bytes.size();
  if (header->file_size != size) {
    return DataLoss("header says the file is ", header->file_size, " bytes but it is ", size,
                    " bytes: truncated or padded");
  }
  if (header->graph_offset < format::kModelHeaderSize || header->graph_offset % 8 != 0 ||
      header->graph_offset > size || header->graph_size > size - header->graph_offset) {
    return DataLoss("graph section [", header->graph_offset, ", +", header->graph_size,
                    ") lies outside the ", size, "-byte file or is misaligned");
  }
  if (header->data_offset % format::kDataAlignment != 0 || header->data_offset > size ||
      header->data_size > size - header->data_offset) {
    return DataLoss("data section [", header->data_offset, ", +", header->data_size,
                    ") lies outside the ", size, "-byte file or is not 64-byte aligned");
  }
  if (header->data_size > 0 && header->data_offset < header->graph_offset + header->graph_size) {
    return DataLoss("data section at ", header->data_offset, " overlaps the graph section ending at ",
                    header->graph_offset + header->graph_size);
  }
  return Status::Ok();
}

// The FlatBuffers verifier (2.0.8) checks a vector's length field for 4-byte alignment but not
// its elements: a hostile file can place a [long] vector at 4 mod 8, and reading it is undefined
// behaviour (a bus error on armv7's ldrd). Builders always align elements, so refuse the rest.
// The same holds for vectors of 8-byte structs (buffers). `align` is the element's alignment.
template <typename V>
Status CheckAligned(const V* v, const std::string& where, const char* field, size_t align = 8) {
  if (v == nullptr || v->size() == 0 || reinterpret_cast<uintptr_t>(v->Data()) % align == 0) {
    return Status::Ok();  // an empty vector has no element to read
  }
  return DataLoss(where, " ", field, " vector is not ", align,
                  "-byte aligned (corrupt or hostile file)");
}

Status ReadAttribute(const fb::Attribute& in, Attribute* out, const std::string& where) {
  out->name = in.name()->str();
  MOTA_RETURN_IF_ERROR(CheckAligned(in.ints(), where + " attribute '" + out->name + "'", "ints"));
  switch (in.kind()) {
    case fb::AttrKind::INT: out->kind = Attribute::Kind::kInt; out->i = in.i(); break;
    case fb::AttrKind::FLOAT: out->kind = Attribute::Kind::kFloat; out->f = in.f(); break;
    case fb::AttrKind::INTS:
      out->kind = Attribute::Kind::kInts;
      if (in.ints()) out->ints.assign(in.ints()->begin(), in.ints()->end());
      break;
    case fb::AttrKind::FLOATS:
      out->kind = Attribute::Kind::kFloats;
      if (in.floats()) out->floats.assign(in.floats()->begin(), in.floats()->end());
      break;
    case fb::AttrKind::STRING:
      out->kind = Attribute::Kind::kString;
      if (in.s()) out->s = in.s()->str();
      break;
    default:
      return DataLoss(where, " attribute '", out->name, "' has unknown kind ",
                      static_cast<int>(in.kind()));
  }
  return Status::Ok();
}

Status ReadTensor(const fb::Model& m, const fb::Tensor& in, const ModelHeader& header,
                  std::span<const uint8_t> bytes, size_t index, TensorInfo* out) {
  out->name = in.name()->str();
  const std::string where = StrCat("tensor ", index, " ('", out->name, "')");
  const uint32_t raw_dtype = static_cast<uint32_t>(in.dtype());
  if (!IsValidDType(raw_dtype)) return DataLoss(where, " has invalid dtype ", raw_dtype);
  out->dtype = static_cast<DType>(raw_dtype);
  out->has_shape = in.has_shape();
  const auto* dims = in.dims();
  MOTA_RETURN_IF_ERROR(CheckAligned(dims, where, "dims"));
  if (const fb::QuantParams* q = in.quant()) {
    MOTA_RETURN_IF_ERROR(CheckAligned(q->zero_points(), where, "zero_points"));
  }
  const size_t rank = dims ? dims->size() : 0;
  if (rank > format::kMaxRank) {
    return DataLoss(where, " has rank ", rank, ", above the limit of ", format::kMaxRank);
  }
  if (!out->has_shape && rank != 0) return DataLoss(where, " has dims but has_shape is false");
  const auto* symbols = in.dim_symbols();
  if (symbols && symbols->size() != 0 && symbols->size() != rank) {
    return DataLoss(where, " has ", symbols->size(), " dim symbols for rank ", rank);
  }
  for (size_t i = 0; i < rank; ++i) {
    const int64_t d = dims->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (d < -1 || d > format::kMaxDim) {
      return DataLoss(where, " dim ", i, " is ", d, ": expected -1 (symbolic) or 0..", format::kMaxDim);
    }
    Dim dim{d, {}};
    if (symbols && symbols->size() == rank) {
      dim.symbol = symbols->Get(static_cast<flatbuffers::uoffset_t>(i))->str();
    }
    out->dims.push_back(std::move(dim));
  }
  if (const fb::QuantParams* q = in.quant()) {
    if (q->scales()) out->quant.scales.assign(q->scales()->begin(), q->scales()->end());
    if (q->zero_points()) out->quant.zero_points.assign(q->zero_points()->begin(), q->zero_points()->end());
    out->quant.axis = q->axis();
    if (!out->quant.zero_points.empty() && out->quant.zero_points.size() != out->quant.scales.size()) {
      return DataLoss(where, " has ", out->quant.scales.size(), " quantization scales but ",
                      out->quant.zero_points.size(), " zero points");
    }
    if (out->quant.scales.size() > 1 &&
        (out->quant.axis < 0 || static_cast<size_t>(out->quant.axis) >= rank ||
         out->dims[out->quant.axis].value != static_cast<int64_t>(out->quant.scales.size()))) {
      return DataLoss(where, " has per-channel quantization on axis ", out->quant.axis, " with ",
                      out->quant.scales.size(), " scales, which does not match its shape");
    }
  }
  const int32_t buffer = in.buffer();
  if (buffer == -1) return Status::Ok();
  const auto* buffers = m.buffers();
  const int32_t buffer_count = buffers ? static_cast<int32_t>(buffers->size()) : 0;
  if (buffer < 0 || buffer >= buffer_count) {
    return DataLoss(where, " refers to buffer ", buffer, " but the file has ", buffer_count);
  }
  if (!out->IsStaticShape()) return DataLoss(where, " is a constant without a static shape");
  const int64_t count = NumElements(out->StaticShape());
  if (count < 0 || count > format::kMaxElements) {
    return DataLoss(where, " has an absurd element count for shape ", ShapeToString(out->StaticShape()));
  }
  const fb::Buffer* b = buffers->Get(static_cast<flatbuffers::uoffset_t>(buffer));
  const uint64_t expected = static_cast<uint64_t>(count) * DTypeSize(out->dtype);
  if (b->size() != expected) {
    return DataLoss(where, " of shape ", ShapeToString(out->StaticShape()), " and dtype ",
                    DTypeName(out->dtype), " needs ", expected, " bytes but its buffer has ", b->size());
  }
  if (b->offset() % format::kDataAlignment != 0 || b->offset() > header.data_size ||
      b->size() > header.data_size - b->offset()) {
    return DataLoss(where, " buffer [", b->offset(), ", +", b->size(),
                    ") lies outside the data section of ", header.data_size,
                    " bytes or is not 64-byte aligned");
  }
  out->is_constant = true;
  out->constant = ConstData::View(bytes.data() + header.data_offset + b->offset(), b->size());
  return Status::Ok();
}

Status ReadIndexList(const flatbuffers::Vector<int32_t>* list, std::vector<int32_t>* out) {
  if (list) out->assign(list->begin(), list->end());
  return Status::Ok();
}

void ReadMetadata(const fb::Metadata* in, Metadata* out) {
  if (in == nullptr) return;
  if (in->producer()) out->producer = in->producer()->str();
  if (in->source_sha256()) out->source_sha256 = in->source_sha256()->str();
  if (in->precision()) out->precision = in->precision()->str();
  if (in->properties()) {
    for (const fb::KeyValue* kv : *in->properties()) {
      out->properties[kv->key()->str()] = kv->value() ? kv->value()->str() : "";
    }
  }
}

}  // namespace

Result<Graph> ParseModel(std::span<const uint8_t> bytes, uint32_t* out_format_version) {
  ModelHeader header;
  MOTA_RETURN_IF_ERROR(CheckHeader(bytes, &header));
  const uint8_t* fb_data = bytes.data() + header.graph_offset;
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 10'000'000;
  flatbuffers::Verifier verifier(fb_data, header.graph_size, options);
  if (!fb::VerifyModelBuffer(verifier)) {
    return DataLoss("the graph section failed FlatBuffers verification (corrupt or hostile file)");
  }
  const fb::Model* m = fb::GetModel(fb_data);
  if (m->format_version() != header.format_version) {
    return DataLoss("graph format version ", m->format_version(), " differs from the header's ",
                    header.format_version);
  }
  if (out_format_version) *out_format_version = header.format_version;
  MOTA_RETURN_IF_ERROR(CheckAligned(m->buffers(), "the model's", "buffers", alignof(fb::Buffer)));

  Graph graph;
  if (m->tensors()) {
    graph.tensors.resize(m->tensors()->size());
    for (size_t i = 0; i < graph.tensors.size(); ++i) {
      MOTA_RETURN_IF_ERROR(ReadTensor(*m, *m->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i)),
                                      header, bytes, i, &graph.tensors[i]));
    }
  }
  if (m->nodes()) {
    graph.nodes.resize(m->nodes()->size());
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const fb::Node* in = m->nodes()->Get(static_cast<flatbuffers::uoffset_t>(i));
      Node& node = graph.nodes[i];
      node.op_type = in->op_type()->str();
      if (in->name()) node.name = in->name()->str();
      MOTA_RETURN_IF_ERROR(ReadIndexList(in->inputs(), &node.inputs));
      MOTA_RETURN_IF_ERROR(ReadIndexList(in->outputs(), &node.outputs));
      if (in->attributes()) {
        for (const fb::Attribute* a : *in->attributes()) {
          Attribute attr;
          MOTA_RETURN_IF_ERROR(ReadAttribute(*a, &attr, StrCat("node ", i, " ('", node.name, "')")));
          if (node.attrs.Has(attr.name)) {
            return DataLoss("node ", i, " ('", node.name, "') has attribute '", attr.name, "' twice");
          }
          node.attrs.Set(std::move(attr));
        }
      }
    }
  }
  MOTA_RETURN_IF_ERROR(ReadIndexList(m->inputs(), &graph.inputs));
  MOTA_RETURN_IF_ERROR(ReadIndexList(m->outputs(), &graph.outputs));
  ReadMetadata(m->metadata(), &graph.metadata);
  MOTA_RETURN_IF_ERROR(graph.Validate().WithContext("invalid graph"));
  return graph;
}

Result<std::unique_ptr<Model>> Model::Load(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
  std::unique_ptr<Model> model(new Model());
  model->bytes_ = file->bytes();
  Result<Graph> graph = ParseModel(model->bytes_, &model->format_version_);
  if (!graph.ok()) return graph.status().WithContext(StrCat("cannot load '", path, "'"));
  model->graph_ = std::move(graph).value();
  model->file_ = std::move(file);
  return model;
}

Result<std::unique_ptr<Model>> Model::LoadFromBuffer(std::span<const uint8_t> bytes) {
  std::unique_ptr<Model> model(new Model());
  model->bytes_ = bytes;
  MOTA_ASSIGN_OR_RETURN(model->graph_, ParseModel(bytes, &model->format_version_));
  return model;
}

}  // namespace mota::model
