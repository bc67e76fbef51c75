// Activating one candidate variant (issue 7, "Verifying, self-testing, activating"):
//
//   assemble from the chunk store -> verify the whole file's sha256 and size -> self-test on the
//   backend it will run on -> switch the active pointer atomically
//
//   Candidate c{.release = 3, .variant = "gpu-fp16", .backend = "vulkan", .index = &index};
//   Status s = Activate(store, c, {.chunk_store = "/data/mota/store"});
//   if (!s.ok()) { /* log s; the old version is still active; try the next variant */ }
//
// Or, when a downloader assembles the file while it downloads (delivery/fetch
// ChunkDownloader::Download checks every chunk and the whole file's sha256 as it writes):
//
//   MOTA_ASSIGN_OR_RETURN(std::string path, PrepareCandidate(store, c));  // refusals first
//   MOTA_RETURN_IF_ERROR(downloader->Download(index, path).status());
//   Status s = ActivateAssembled(store, c, {.chunk_store = "/data/mota/store"});
//
// Both share every step after the file exists (self-test blobs, self-test, bad-variant record,
// pointer switch, fault points) and give the same outcomes:
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
  // Then the revoked release is not kept as `previous` either (RollBack must not return to it).
  bool active_release_revoked = false;
  // The active file is missing or damaged (CheckActiveFile): install the active release and
  // variant again instead of answering "already active".
  bool repair = false;
  // The variant's backend parameters (its target's precision, tuning, vulkan_quirks): the
  // self-test runs with them and the install record keeps them for every later open.
  VariantParams params;
};

struct ActivateOptions {
  std::string chunk_store;           // <chunk_store>/blobs/<sha256> = zstd frames (delivery/fetch)
  FaultHook fault;                   // tests: stop at a step as a crash would
  SelftestReport* report = nullptr;  // optional: what the self-test measured
};

Status Activate(InstallStore& store, const Candidate& candidate, const ActivateOptions& options);

// The checks that can refuse `candidate` before any byte of it is written (no index, marked bad
// here, a rollback, an installed file of the same name with other bytes; FAILED_PRECONDITION
// when it is already active and not a repair), then takes the install lock (held by `store`:
// another store's Open leaves the file alone) and returns the path where it must be assembled.
Result<std::string> PrepareCandidate(InstallStore& store, const Candidate& candidate);

// Activates the file a downloader assembled at PrepareCandidate's path, whose chunks and
// whole-file sha256 it verified against candidate.index while writing it: not hashed again (its
// size is checked). Then as Activate: self-test blobs, self-test, switch; the same outcomes.
Status ActivateAssembled(InstallStore& store, const Candidate& candidate,
                         const ActivateOptions& options);

// The active file is whole: it exists and hashes to the sha256 that active.json records (read in
// full). OK when nothing is active; NOT_FOUND or VERIFICATION_FAILED naming the file otherwise.
Status CheckActiveFile(const InstallStore& store);

struct FileDigest {
  std::string sha256;
  uint64_t size = 0;
};
// Streams `path` through SHA-256. IO_ERROR naming the file when it cannot be read.
Result<FileDigest> HashFile(const std::string& path);

// Streams `path` through SHA-256: VERIFICATION_FAILED naming the file, what it has and what the
// index says, when the size or the hash differs.
Status VerifyWholeFile(const std::string& path, const std::string& sha256, uint64_t size);

}  // namespace mota::install
