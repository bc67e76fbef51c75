// The self-test before activation (issue 7): run a variant's self-test vectors on the backend the
// device will use and compare with the fp32 reference outputs, within the variant's tolerance.
//
//   BlobLoader blobs = StoreBlobLoader("/data/mota/store");
//   Status s = RunSelftest("/data/mota/models/m/3-cpu-fp32.mota", index.selftest, blobs, "auto");
//   if (!s.ok()) { /* VERIFICATION_FAILED (mismatch) or the load / backend error: try the next */ }
//
// The metric is the packager's (packager/src/package.cc MakeSelftest): for every vector and every
// output, the largest |reference - ours| must be <= `max_abs_error`, and the cosine similarity of
// the whole output (in double) must be >= `min_cosine`. A mismatch names the vector, the output,
// the worst element (flat index), the reference and our value, the measured figure and the
// allowed one. Load errors, backend errors (an unknown or UNAVAILABLE backend, a failed Prepare)
// and unreadable blobs come back as the Status that caused them, with the file or blob named.
// A variant shipped without vectors passes (nothing to compare; the packager always ships some).
// Exception-free.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/backend.h"
#include "manifests/lib/bundle/index.h"

namespace mota::install {

// The verified .npy bytes of one self-test blob.
using BlobLoader = std::function<Result<std::vector<uint8_t>>(const bundle::BlobRef& blob)>;

// Reads `<store>/blobs/<sha256>` (the device chunk store, delivery/fetch/chunk_downloader.h) and
// checks both hashes and sizes (bundle::DecodeVerified). NOT_FOUND names the missing file.
BlobLoader StoreBlobLoader(const std::string& store_dir);

// What the comparison measured (filled as far as the run got, also on failure).
struct SelftestReport {
  size_t vectors_run = 0;
  double worst_max_abs = 0;  // over every vector and output
  double worst_cosine = 1;
};

// Loads `mota_path`, runs every vector on `backend` ("auto", "reference", "vulkan", ...),
// created with `options` (the variant's parameters: install_store.h ToBackendOptions), and
// compares. OK only when every output of every vector is within the tolerance.
Status RunSelftest(const std::string& mota_path, const bundle::Selftest& selftest,
                   const BlobLoader& blobs, const std::string& backend,
                   SelftestReport* report = nullptr, const exec::BackendOptions& options = {});

// Parses an index tolerance ("0.995", "1e-05"): the decimal form of bundle-format.md.
Result<double> ParseTolerance(const std::string& field, const std::string& text);

}  // namespace mota::install
