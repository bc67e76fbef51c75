// `mota package deploy.yaml -o STAGING`: every variant of a deployment spec, built, gated, given
// self-test vectors, chunked and indexed into a staging directory that `mota repo add` signs.
//
//   MOTA_ASSIGN_OR_RETURN(DeploySpec spec, LoadDeploySpec("deploy.yaml"));
//   MOTA_ASSIGN_OR_RETURN(PackageResult r, Package(spec, {.output = "staging"}));
//   std::printf("%s", SummaryTable(r).c_str());
//
// Per variant: convert (the spec's input shapes) -> fp32 .mota -> quantize to the variant's
// precision with the spec's calibration / eval samples and its effective gate (fp32 variants are
// the converted file itself) -> a variant that misses its gate fails the whole build with the
// numbers -> self-test vectors -> chunks -> variant index -> target.
//
// STAGING layout (everything deterministic: the same spec and files give byte-identical output):
//   blobs/<sha256>                                  chunk store (bundle-format.md "Store"): the
//                                                   variants' chunks and the self-test .npy files
//   targets/models/<model>/<variant>.r<release>.json   each variant index = its TUF target
//   staging.json                                    canonical JSON {"model", "release",
//       "targets": {<target path>: {"custom", "hashes": {"sha256"}, "length"}}}: the entries the
//       model's delegated targets role will list (repository.md), unsigned
//
// Atomicity: everything is built in a fresh temporary directory beside STAGING and renamed into
// place at the end. On any failure the temporary directory is removed and an existing STAGING is
// untouched. On success an existing STAGING is replaced as a whole, not merged: its chunks are
// not reused, so STAGING holds exactly what this spec references and its bytes never depend on
// what was there before (deduplication against earlier releases happens in the repository,
// which keeps every release's chunks).
//
// Self-test vectors: the first `selftest_vectors` eval samples (else calibration samples, else
// seeded random ones) with the fp32 model's outputs from the reference backend. The variant runs
// on the CPU ("auto"; vulkan variants too, the .mota is backend independent), and the tolerance
// is twice the error measured there plus a margin for other devices' kernels (see package.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "packager/src/deploy_spec.h"

namespace mota::packager {

struct PackageOptions {
  std::string output;  // STAGING
  int64_t release = 1;
  // The target's min_runtime_version when the variant's `requires` names none (or a lower one).
  std::string min_runtime_version = "0.1.0";
  int selftest_vectors = 2;
  // Samples used when the spec has no calibration section (fp16 / int8-weights / fp32 only).
  int random_samples = 4;
  int threads = 1;  // for the measurements
  std::function<void(const std::string&)> progress;  // optional, one line per step
};

struct VariantSummary {
  std::string id, backend, precision;
  std::string target_path;  // models/<model>/<variant>.r<release>.json
  uint64_t file_bytes = 0;  // the .mota file
  uint64_t wire_bytes = 0;  // compressed chunks a device holding nothing downloads
  uint64_t new_bytes = 0;   // compressed chunks not already stored by the variants before it
  double cosine = 1, sqnr_db = 0;  // vs fp32 on the eval samples (fp32: on the self-test vectors)
  std::string max_abs_error, min_cosine;  // the self-test tolerance
};

struct PackageResult {
  std::vector<VariantSummary> variants;  // in spec order
  uint64_t stored_bytes = 0;             // every blob in STAGING/blobs, compressed
};

// Builds STAGING from `spec` (already validated by LoadDeploySpec).
Result<PackageResult> Package(const DeploySpec& spec, const PackageOptions& options);

// variant, backend, precision, wire, new, file, cosine, SQNR: one row per variant.
std::string SummaryTable(const PackageResult& result);

// A non-negative double as the index's decimal string form ("0.995", "1e-05").
std::string DecimalString(double value);

}  // namespace mota::packager
