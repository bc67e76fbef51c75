// Activating one candidate variant (issue 7, "Verifying, self-testing, activating"):
//
//   assemble from the chunk store -> verify the whole file's sha256 and size -> self-test on the
//   backend it will run on -> switch the active pointer atomically
//
//   Candidate c{.release = 3, .variant = "gpu-fp16", .backend = "vulkan", .index = &index};
//   Status s = Activate(store, c, {.chunk_store = "/data/mota/store"});
//   if (!s.ok()) { /* log s; the old version is still active; try the next variant */ }
//
// Outcomes:
//   - OK: the candidate is active; the version active before is kept as `previous` (rollback).
//   - a variant already marked bad here: FAILED_PRECONDITION with the recorded reason, no work.
//   - a release lower than the active one (and the active one not revoked): FAILED_PRECONDITION.
//   - a self-test blob is missing or damaged in the chunk store, or the chunks cannot be assembled
//   or the file does not hash to the index: VERIFICATION_FAILED /
//     NOT_FOUND / IO_ERROR; nothing is activated and the candidate file is removed. Not marked
//     bad: the bytes were wrong, not the variant (a new download can fix it).
//   - the self-test fails (mismatch, model load error, backend error such as Vulkan UNAVAILABLE):
//     the variant is recorded in bad_variants.json with the reason and the backend, its file is
//     removed and the status says why; the active version is untouched.
// A crash (or an injected fault, `fault`) at any point leaves the previous active version usable:
// the pointer switch is the only step that changes what runs. Exception-free.
#pragma once

#include <cstdint>
#include <string>

#include "delivery/install/install_store.h"
#include "delivery/install/selftest.h"
#include "manifests/lib/bundle/index.h"

namespace mota::install {

struct Candidate {
  int64_t release = 0;
  std::string variant;                          // the variant id of the target
  std::string backend = "auto";                 // the backend it will run on here
  const bundle::VariantIndex* index = nullptr;  // verified by the trust layer
  // Rollback protection: a release lower than the active one is refused unless signed metadata
  // revoked the newer release (the caller, which read that metadata, says so here).
  bool active_release_revoked = false;
};

struct ActivateOptions {
  std::string chunk_store;           // <chunk_store>/blobs/<sha256> = zstd frames (delivery/fetch)
  FaultHook fault;                   // tests: stop at a step as a crash would
  SelftestReport* report = nullptr;  // optional: what the self-test measured
};

Status Activate(InstallStore& store, const Candidate& candidate, const ActivateOptions& options);

// Streams `path` through SHA-256: VERIFICATION_FAILED naming the file, what it has and what the
// index says, when the size or the hash differs.
Status VerifyWholeFile(const std::string& path, const std::string& sha256, uint64_t size);

}  // namespace mota::install
