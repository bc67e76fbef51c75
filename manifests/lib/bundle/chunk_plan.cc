#include "manifests/lib/bundle/chunk_plan.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <string>

#include "manifests/lib/bundle/index.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"

namespace mota::bundle {
namespace {

Status BadModel(const std::string& what) {
  return MakeStatus(StatusCode::kInvalidArgument,
                    "PlanChunks: not a well-formed .mota file: ", what);
}

// Header checks of manifests/spec/model-format.md, enough to find the sections safely.
Result<format::ModelHeader> ReadHeader(std::span<const uint8_t> model) {
  format::ModelHeader h;
  if (model.size() < sizeof(h)) {
    return BadModel("size " + std::to_string(model.size()) + " is smaller than the 64-byte header");
  }
  std::memcpy(&h, model.data(), sizeof(h));
  if (std::memcmp(h.magic, format::kModelMagic, sizeof(h.magic)) != 0)
    return BadModel("magic is not MOTAMODL");
  if (h.format_version != format::kModelFormatVersion ||
      h.header_size != format::kModelHeaderSize) {
    return BadModel("format_version " + std::to_string(h.format_version) + " / header_size " +
                    std::to_string(h.header_size) + ", expected 1 / 64");
  }
  if (h.file_size != model.size()) {
    return BadModel("header file_size " + std::to_string(h.file_size) + " but the file has " +
                    std::to_string(model.size()) + " bytes");
  }
  // Written so that no sum can overflow: each bound is checked before it is added.
  bool graph_ok = h.graph_offset >= sizeof(h) && h.graph_size <= model.size() &&
                  h.graph_offset <= model.size() - h.graph_size &&
                  h.graph_offset + h.graph_size <= h.data_offset;
  bool data_ok = h.data_offset <= model.size() && h.data_size <= model.size() - h.data_offset;
  if (!graph_ok || !data_ok) {
    return BadModel(
        "sections graph [" + std::to_string(h.graph_offset) + ", +" + std::to_string(h.graph_size) +
        ") data [" + std::to_string(h.data_offset) + ", +" + std::to_string(h.data_size) +
        ") do not lie in order inside the file of " + std::to_string(model.size()) + " bytes");
  }
  return h;
}

// The data-section start of every buffer, verified to lie inside the data section.
Status CollectBufferStarts(std::span<const uint8_t> model, const format::ModelHeader& h,
                                 std::set<uint64_t>* cuts) {
  const uint8_t* graph = model.data() + h.graph_offset;
  flatbuffers::Verifier verifier(graph, h.graph_size, /*max_depth=*/64);
  if (!fb::VerifyModelBuffer(verifier))
    return BadModel("the FlatBuffers verifier rejects the graph section");
  const fb::Model* m = fb::GetModel(graph);
  if (m->buffers() == nullptr) return Status::Ok();
  for (const fb::Buffer* b : *m->buffers()) {
    if (b->offset() > h.data_size || b->size() > h.data_size - b->offset()) {
      return BadModel("buffer {offset " + std::to_string(b->offset()) + ", size " +
                      std::to_string(b->size()) + "} lies outside the data section of " +
                      std::to_string(h.data_size) + " bytes");
    }
    cuts->insert(h.data_offset + b->offset());
  }
  return Status::Ok();
}

// Splits [start, start + size) every `piece` bytes from `start`.
void Split(uint64_t start, uint64_t size, uint64_t piece, std::vector<ChunkSpan>* out) {
  for (uint64_t at = 0; at < size; at += piece)
    out->push_back({start + at, std::min(piece, size - at)});
}

// Packs extents below pack_target in order; larger ones are split alone (rule 3).
std::vector<ChunkSpan> Group(const std::vector<ChunkSpan>& extents,
                             const ChunkingOptions& options) {
  std::vector<ChunkSpan> out;
  ChunkSpan pending;
  auto flush = [&] {
    if (pending.size > 0) out.push_back(pending);
    pending = {};
  };
  for (const ChunkSpan& e : extents) {
    if (e.size >= options.pack_target) {
      flush();
      Split(e.offset, e.size, options.piece_size, &out);
      continue;
    }
    if (pending.size + e.size > options.pack_target) flush();
    if (pending.size == 0) pending.offset = e.offset;
    pending.size += e.size;
  }
  flush();
  return out;
}

}  // namespace

Result<std::vector<ChunkSpan>> PlanChunks(std::span<const uint8_t> model,
                                                const ChunkingOptions& options) {
  if (options.pack_target == 0 || options.pack_target > options.piece_size ||
      options.piece_size > kMaxChunkSize) {
    return MakeStatus(StatusCode::kInvalidArgument, "PlanChunks: pack_target ", options.pack_target,
                      " and piece_size ", options.piece_size,
                      " must satisfy 1 <= pack_target <= piece_size <= ", kMaxChunkSize);
  }
  MOTA_ASSIGN_OR_RETURN(format::ModelHeader h, ReadHeader(model));
  std::set<uint64_t> cuts = {h.data_offset, h.data_offset + h.data_size, model.size()};
  MOTA_RETURN_IF_ERROR(CollectBufferStarts(model, h, &cuts));

  std::vector<ChunkSpan> plan;
  Split(0, h.data_offset, options.piece_size, &plan);  // rule 1: the head
  std::vector<ChunkSpan> extents;
  for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it)
    extents.push_back({*it, *std::next(it) - *it});
  for (const ChunkSpan& c : Group(extents, options)) plan.push_back(c);
  return plan;
}

}  // namespace mota::bundle
