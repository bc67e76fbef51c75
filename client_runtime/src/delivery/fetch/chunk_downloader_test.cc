// ChunkDownloader against loopback servers with injected faults: what arrives in the store is
// exactly the signed chunks, whatever the server does, and the assembled file is verified.
#include "delivery/fetch/chunk_downloader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "delivery/fetch/fault_server_test_util.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/test_util.h"
#include "tests/support/test_dir.h"

namespace mota::fetch {
namespace {

namespace fs = std::filesystem;
using testing::BlobName;
using testing::FaultServer;
using testing::Head;
using testing::RawRequest;
using testing::SendAll;
using testing::ServeBlob;
using Blobs = std::map<std::string, std::vector<uint8_t>>;

class ChunkDownloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_fetch_test").string();
    fs::create_directories(dir_);
    // Head, a 300000-byte tensor (two pieces), a packed pair of small ones and a 70000 one.
    model_ = bundle::testing::MakeModel({300000, 100000, 5000, 70000});
    packed_ = bundle::testing::Pack(model_);
    for (size_t i = 0; i < packed_.frames.size(); ++i)
      blobs_[packed_.index.chunks[i].sha256] = packed_.frames[i];
    ASSERT_GE(packed_.index.chunks.size(), 4u);
  }
  void TearDown() override { fs::remove_all(dir_); }

  DownloadOptions Options(const FaultServer& server) {
    DownloadOptions o;
    o.base_url = server.base_url();
    o.store_dir = dir_ + "/store";
    o.backoff_initial = std::chrono::milliseconds(5);
    o.backoff_max = std::chrono::milliseconds(20);
    o.max_attempts = 3;
    return o;
  }
  std::unique_ptr<ChunkDownloader> Make(DownloadOptions o) {
    auto d = ChunkDownloader::Create(std::move(o));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return std::move(d).value();
  }
  std::vector<uint8_t> ReadOut() { return ReadWholeFile(dir_ + "/out.mota", 1 << 30).value(); }
  // The largest chunk: the one faults are injected into.
  const bundle::ChunkRef& Big() const {
    return *std::max_element(
        packed_.index.chunks.begin(), packed_.index.chunks.end(),
        [](const auto& a, const auto& b) { return a.zstd_size < b.zstd_size; });
  }
  std::string Store(const std::string& name) const { return dir_ + "/store/blobs/" + name; }
  void WritePart(const std::string& bytes) {
    fs::create_directories(dir_ + "/store/blobs");
    std::ofstream(Store(Big().zstd_sha256 + ".part"), std::ios::binary) << bytes;
  }
  std::string FramePrefix(size_t n) {
    const auto& f = blobs_.at(Big().sha256);
    return std::string(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
  }

  std::string dir_;
  std::vector<uint8_t> model_;
  bundle::testing::Packed packed_;
  Blobs blobs_;
};

TEST_F(ChunkDownloaderTest, downloads_every_chunk_and_assembles_the_verified_file) {
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  std::vector<Progress> progress;
  DownloadOptions o = Options(server);
  o.progress = [&](const Progress& p) { progress.push_back(p); };
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(ReadOut(), model_);
  EXPECT_EQ(stats->blobs_downloaded, packed_.index.chunks.size());
  EXPECT_EQ(stats->requests, static_cast<int64_t>(packed_.index.chunks.size()));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().bytes_done, progress.back().bytes_total);
  EXPECT_EQ(progress.back().blobs_done, packed_.index.chunks.size());
  // Real progress, not only 0 and 100%: intermediate values, never going back in a clean run.
  bool intermediate = false;
  for (size_t i = 0; i < progress.size(); ++i) {
    intermediate |= progress[i].bytes_done > 0 && progress[i].bytes_done < progress[i].bytes_total;
    if (i > 0) {
      EXPECT_GE(progress[i].bytes_done, progress[i - 1].bytes_done);
    }
  }
  EXPECT_TRUE(intermediate) << progress.size() << " progress calls";
  for (const auto& c : packed_.index.chunks) EXPECT_TRUE(fs::exists(Store(c.sha256)));
}

TEST_F(ChunkDownloaderTest, second_run_requests_only_the_missing_chunk) {
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto d = Make(Options(server));
  ASSERT_TRUE(d->Download(packed_.index, dir_ + "/out.mota").ok());
  int first = server.requests();
  fs::remove(Store(Big().sha256));
  auto stats = d->Download(packed_.index, dir_ + "/out2.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(server.requests() - first, 1);
  EXPECT_EQ(server.log().back().path, "/blobs/" + Big().sha256);
  EXPECT_EQ(stats->blobs_present, packed_.index.chunks.size() - 1);
  auto third = d->Download(packed_.index, dir_ + "/out3.mota");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->requests, 0);
}

TEST_F(ChunkDownloaderTest, damaged_blob_in_the_store_is_downloaded_again) {
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto d = Make(Options(server));
  ASSERT_TRUE(d->Download(packed_.index, dir_ + "/out.mota").ok());
  std::ofstream(Store(Big().sha256), std::ios::binary | std::ios::in) << "rot";
  auto stats = d->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->blobs_downloaded, 1u);
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, connection_reset_mid_chunk_resumes_with_range) {
  const std::string big = Big().sha256;
  const size_t half = Big().zstd_size / 2;
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) == big && r.Header("range").empty()) {
      const auto& f = blobs_.at(big);
      SendAll(fd, Head(200, static_cast<int64_t>(f.size())));
      SendAll(fd, std::string_view(reinterpret_cast<const char*>(f.data()), half));
      return;  // connection closed mid-body
    }
    ServeBlob(fd, r, blobs_);
  });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(ReadOut(), model_);
  EXPECT_EQ(stats->resumed, 1);
  EXPECT_EQ(stats->retries, 1);
  int ranged = 0;
  for (const RawRequest& r : server.log()) {
    if (BlobName(r) == big && !r.Header("range").empty()) {
      EXPECT_EQ(r.Header("range"), "bytes=" + std::to_string(half) + "-");
      ++ranged;
    }
  }
  EXPECT_EQ(ranged, 1);
  EXPECT_FALSE(fs::exists(Store(Big().zstd_sha256 + ".part")));
}

TEST_F(ChunkDownloaderTest, partial_download_from_an_earlier_run_is_resumed) {
  WritePart(FramePrefix(1000));
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->resumed, 1);
  EXPECT_EQ(server.log().size(), packed_.index.chunks.size());
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, server_ignoring_range_starts_the_chunk_over) {
  WritePart("garbage that is not the frame's prefix");
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_, false); });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->restarted, 1);
  EXPECT_EQ(stats->retries, 0);
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, range_splicing_wrong_content_range_is_not_appended) {
  WritePart(FramePrefix(1000));
  const std::string big = Big().sha256;
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) == big && !r.Header("range").empty()) {
      // Bytes from offset 0 labelled as the requested tail: would corrupt the .part.
      const auto& f = blobs_.at(big);
      std::string cr = "Content-Range: bytes 0-" + std::to_string(f.size() - 1001) + "/" +
                       std::to_string(f.size()) + "\r\n";
      SendAll(fd, Head(206, static_cast<int64_t>(f.size() - 1000), cr));
      SendAll(fd, std::string_view(reinterpret_cast<const char*>(f.data()), f.size() - 1000));
      return;
    }
    ServeBlob(fd, r, blobs_);
  });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->restarted, 1);
  EXPECT_EQ(stats->retries, 1);
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, endless_data_is_cut_at_the_signed_zstd_size) {
  const std::string big = Big().sha256;
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) != big) return ServeBlob(fd, r, blobs_);
    SendAll(fd, Head(200, -1));
    std::string block(64 * 1024, 'z');
    for (int i = 0; i < 16384 && !server.stopping(); ++i)
      if (!SendAll(fd, block)) break;
  });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kOutOfRange) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("signed zstd_size"), std::string::npos);
  EXPECT_EQ(server.RequestsFor("/blobs/" + big), 3);
  EXPECT_FALSE(fs::exists(Store(big)));
  EXPECT_FALSE(fs::exists(Store(Big().zstd_sha256 + ".part")));
  EXPECT_FALSE(fs::exists(dir_ + "/out.mota"));
}

TEST_F(ChunkDownloaderTest, wrong_bytes_are_rejected_retried_and_never_stored) {
  const std::string big = Big().sha256;
  FaultServer server([&](int fd, const RawRequest& r, int) {
    Blobs bad = blobs_;
    bad[big][bad[big].size() / 2] ^= 0x01;  // same length, one bit off
    ServeBlob(fd, r, BlobName(r) == big ? bad : blobs_);
  });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kVerificationFailed) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("gave up after 3 attempts"), std::string::npos);
  EXPECT_NE(stats.status().message().find(big), std::string::npos);
  EXPECT_EQ(server.RequestsFor("/blobs/" + big), 3);
  EXPECT_FALSE(fs::exists(Store(big)));
  EXPECT_FALSE(fs::exists(Store(Big().zstd_sha256 + ".part")));
}

TEST_F(ChunkDownloaderTest, transient_server_errors_are_retried_with_backoff) {
  FaultServer server([&](int fd, const RawRequest& r, int n) {
    if (n < 2) return (void)SendAll(fd, Head(503, 0));
    ServeBlob(fd, r, blobs_);
  });
  DownloadOptions o = Options(server);
  o.max_in_flight = 1;
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->retries, 2);
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, missing_blob_on_the_server_is_final_not_found) {
  FaultServer server([&](int fd, const RawRequest& r, int) { SendAll(fd, Head(404, 0)); });
  DownloadOptions o = Options(server);
  o.max_in_flight = 1;
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  EXPECT_EQ(stats.status().code(), StatusCode::kNotFound) << stats.status().ToString();
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ChunkDownloaderTest, slow_retrieval_trickling_server_hits_the_stall_timeout) {
  FaultServer server([&](int fd, const RawRequest& r, int) {
    SendAll(fd, Head(200, 100000));
    for (int i = 0; i < 1000 && !server.stopping(); ++i) {
      if (!SendAll(fd, "x")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  DownloadOptions o = Options(server);
  o.max_attempts = 1;
  o.http.stall_bytes_per_second = 100;
  o.http.stall_time = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  EXPECT_EQ(stats.status().code(), StatusCode::kUnavailable) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(ChunkDownloaderTest, cancel_from_another_thread_stops_promptly) {
  FaultServer server([&](int fd, const RawRequest& r, int) {
    SendAll(fd, Head(200, 100000));
    for (int i = 0; i < 1000 && !server.stopping(); ++i) {
      if (!SendAll(fd, "x")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::atomic<bool> cancel{false};
  DownloadOptions o = Options(server);
  o.http.cancel = &cancel;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  auto returned_at = std::chrono::steady_clock::now();
  canceller.join();
  EXPECT_EQ(stats.status().code(), StatusCode::kCancelled) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("cancelled"), std::string::npos);
  EXPECT_LT(returned_at - cancelled_at, std::chrono::milliseconds(500));
  EXPECT_FALSE(fs::exists(dir_ + "/out.mota"));
}

TEST_F(ChunkDownloaderTest, unmetered_only_policy_on_a_metered_network_sends_no_request) {
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  DownloadOptions o = Options(server);
  bool metered = true;
  o.policy = UnmeteredOnly([&] { return metered; });
  auto d = Make(o);
  auto stats = d->Download(packed_.index, dir_ + "/out.mota");
  EXPECT_EQ(stats.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stats.status().message().find("metered"), std::string::npos);
  EXPECT_EQ(server.requests(), 0);
  metered = false;
  ASSERT_TRUE(d->Download(packed_.index, dir_ + "/out.mota").ok());
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, retries_wait_with_exponential_backoff) {
  std::vector<std::chrono::steady_clock::time_point> at;
  std::mutex mu;
  const std::string big = Big().sha256;
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) != big) return ServeBlob(fd, r, blobs_);
    std::lock_guard<std::mutex> lock(mu);
    at.push_back(std::chrono::steady_clock::now());
    SendAll(fd, Head(503, 0));
  });
  DownloadOptions o = Options(server);
  o.max_attempts = 3;
  o.backoff_initial = std::chrono::milliseconds(200);
  o.backoff_max = std::chrono::milliseconds(1000);
  auto stats = Make(o)->Download(packed_.index, dir_ + "/out.mota");
  EXPECT_EQ(stats.status().code(), StatusCode::kUnavailable) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("HTTP 503"), std::string::npos);
  ASSERT_EQ(at.size(), 3u);
  // Jitter keeps each wait in [delay/2, delay]: 100..200 ms, then 200..400 ms.
  EXPECT_GE(at[1] - at[0], std::chrono::milliseconds(100));
  EXPECT_GE(at[2] - at[1], std::chrono::milliseconds(200));
  EXPECT_LT(at[2] - at[0], std::chrono::milliseconds(1500));
}

TEST_F(ChunkDownloaderTest, range_not_satisfiable_discards_the_part_and_starts_over) {
  WritePart(FramePrefix(1000));
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (!r.Header("range").empty()) return (void)SendAll(fd, Head(416, 0));
    ServeBlob(fd, r, blobs_);
  });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->retries, 1);
  EXPECT_EQ(server.RequestsFor("/blobs/" + Big().sha256), 2);
  EXPECT_EQ(ReadOut(), model_);
}

// A model packed into 8 MiB pieces, so its one large chunk spans many 256 KiB appends.
struct OneLargeChunk {
  OneLargeChunk()
      : model(bundle::testing::MakeModel({3u << 20})),
        packed(bundle::testing::Pack(model, {.piece_size = 8u << 20})) {
    for (size_t i = 0; i < packed.frames.size(); ++i)
      blobs[packed.index.chunks[i].sha256] = packed.frames[i];
  }
  const bundle::ChunkRef& Big() const {
    return *std::max_element(packed.index.chunks.begin(), packed.index.chunks.end(),
                             [](const auto& a, const auto& b) { return a.zstd_size < b.zstd_size; });
  }
  std::vector<uint8_t> model;
  bundle::testing::Packed packed;
  Blobs blobs;
};

// What a kill -9 or a crash mid-chunk leaves: the bytes received so far, on disk while the
// connection is still open (not only when an attempt ends), then resumed with Range.
TEST_F(ChunkDownloaderTest, bytes_of_a_chunk_in_flight_reach_its_part_file_as_they_arrive) {
  const OneLargeChunk one;
  const std::vector<uint8_t>& model = one.model;
  const bundle::testing::Packed& packed = one.packed;
  const Blobs& blobs = one.blobs;
  const bundle::ChunkRef& big = one.Big();
  const size_t sent = 2u << 20, flush = 256u << 10;
  ASSERT_GT(big.zstd_size, sent + flush);
  const std::string part = Store(big.zstd_sha256 + ".part");
  std::atomic<int64_t> seen{-1};
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) != big.sha256 || !r.Header("range").empty()) return ServeBlob(fd, r, blobs);
    const auto& f = blobs.at(big.sha256);
    SendAll(fd, Head(200, static_cast<int64_t>(f.size())));
    SendAll(fd, std::string_view(reinterpret_cast<const char*>(f.data()), sent));
    // The connection stays open (a process killed now never reaches its error path) until the
    // .part holds all but the last unflushed piece.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (FileSize(part) < static_cast<int64_t>(sent - flush) && !server.stopping() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    seen = FileSize(part);
  });  // then the connection is cut mid-body
  auto stats = Make(Options(server))->Download(packed.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GE(seen.load(), static_cast<int64_t>(sent - flush))
      << "bytes on disk while " << sent << " bytes of the chunk had arrived";
  EXPECT_LE(seen.load(), static_cast<int64_t>(sent));
  EXPECT_EQ(stats->resumed, 1);
  std::string range;
  for (const RawRequest& r : server.log())
    if (BlobName(r) == big.sha256 && !r.Header("range").empty()) range = r.Header("range");
  EXPECT_EQ(range, "bytes=" + std::to_string(sent) + "-");
  EXPECT_EQ(ReadOut(), model);
  EXPECT_FALSE(fs::exists(part));
  EXPECT_TRUE(fs::exists(Store(big.sha256)));
}

// The frame hash is checked off the network thread, after the bytes of a large chunk have been
// appended to its .part: a frame that fails it is still never stored or assembled, and its .part
// is deleted, not resumed (the retry asks for the whole chunk, without Range).
TEST_F(ChunkDownloaderTest, large_frame_failing_its_hash_loses_its_part_and_is_fetched_whole) {
  const OneLargeChunk one;
  const std::vector<uint8_t>& model = one.model;
  const bundle::testing::Packed& packed = one.packed;
  const Blobs& blobs = one.blobs;
  const bundle::ChunkRef& big = one.Big();
  ASSERT_GT(big.zstd_size, 2u << 20);  // several 256 KiB appends before the last byte
  std::atomic<bool> stored_before_retry{false};
  std::atomic<int64_t> part_before_retry{-1};
  std::atomic<int> big_requests{0};
  FaultServer server([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) != big.sha256) return ServeBlob(fd, r, blobs);
    if (big_requests++ == 0) {
      Blobs bad = blobs;
      bad[big.sha256][big.zstd_size - 10] ^= 0x01;  // same length, one bit off at the end
      return ServeBlob(fd, r, bad);
    }
    stored_before_retry = fs::exists(Store(big.sha256));
    part_before_retry = FileSize(Store(big.zstd_sha256 + ".part"));
    ServeBlob(fd, r, blobs);
  });
  auto stats = Make(Options(server))->Download(packed.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(server.RequestsFor("/blobs/" + big.sha256), 2);
  EXPECT_EQ(stats->retries, 1);
  EXPECT_EQ(stats->resumed, 0);
  for (const RawRequest& r : server.log()) {
    if (BlobName(r) == big.sha256) {
      EXPECT_EQ(r.Header("range"), "");
    }
  }
  EXPECT_FALSE(stored_before_retry.load()) << "a frame that failed its hash reached the store";
  EXPECT_EQ(part_before_retry.load(), -1) << "the rejected frame's .part was kept";
  EXPECT_EQ(ReadOut(), model);
  EXPECT_EQ(ReadWholeFile(Store(big.sha256), 1 << 30).value(), blobs.at(big.sha256));
  EXPECT_FALSE(fs::exists(Store(big.zstd_sha256 + ".part")));
}

// A power loss can leave a .part whose tail holds other bytes: the resume hashes what is on disk
// with the new bytes, the frame hash fails, and the chunk starts over from byte 0.
TEST_F(ChunkDownloaderTest, part_with_garbled_bytes_fails_the_frame_hash_and_starts_over) {
  std::string prefix = FramePrefix(1000);
  prefix[999] = static_cast<char>(prefix[999] ^ 0x5a);
  WritePart(prefix);
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->resumed, 1);
  EXPECT_EQ(stats->retries, 1);
  EXPECT_EQ(server.RequestsFor("/blobs/" + Big().sha256), 2);
  EXPECT_EQ(ReadOut(), model_);
}

TEST_F(ChunkDownloaderTest, part_longer_than_the_signed_size_is_deleted_not_resumed) {
  const auto& f = blobs_.at(Big().sha256);
  WritePart(std::string(f.begin(), f.end()) + "tail");
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->resumed, 0);
  for (const RawRequest& r : server.log()) EXPECT_EQ(r.Header("range"), "") << r.path;
  EXPECT_EQ(ReadOut(), model_);
}

// A kill -9 after the last byte but before the rename: the whole .part is verified, not fetched.
TEST_F(ChunkDownloaderTest, complete_part_from_a_killed_run_is_verified_without_a_request) {
  const auto& f = blobs_.at(Big().sha256);
  WritePart(std::string(f.begin(), f.end()));
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto stats = Make(Options(server))->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(server.RequestsFor("/blobs/" + Big().sha256), 0);
  EXPECT_EQ(stats->requests, static_cast<int64_t>(packed_.index.chunks.size() - 1));
  EXPECT_EQ(ReadOut(), model_);
}

TEST(BlobsOf, identical_chunks_are_fetched_once_and_self_test_blobs_on_request) {
  bundle::VariantIndex index;
  const std::string a(64, 'a'), b(64, 'b'), za(64, 'c'), zb(64, 'd'), n(64, 'e'), zn(64, 'f');
  index.chunks = {{a, 10, za, 12, 0}, {b, 10, zb, 12, 10}, {a, 10, za, 12, 20}};
  index.selftest.vectors.push_back({{{"input", n, 100, zn, 90}}, {{"output", a, 10, za, 12}}});
  std::vector<BlobWant> chunks = BlobsOf(index, false);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].sha256, a);
  EXPECT_EQ(chunks[1].sha256, b);
  EXPECT_NE(chunks[1].label.find("chunk 1 (offset 10"), std::string::npos) << chunks[1].label;
  std::vector<BlobWant> all = BlobsOf(index, true);
  ASSERT_EQ(all.size(), 3u);  // the output equals chunk 0's content: one blob
  EXPECT_EQ(all[2].sha256, n);
  EXPECT_NE(all[2].label.find("'input'"), std::string::npos) << all[2].label;
}

TEST_F(ChunkDownloaderTest, invalid_options_are_rejected_naming_the_field) {
  DownloadOptions o;
  o.store_dir = dir_;
  EXPECT_NE(ChunkDownloader::Create(o).status().message().find("base_url"), std::string::npos);
  o.base_url = "http://127.0.0.1:1";
  o.max_in_flight = 0;
  EXPECT_NE(ChunkDownloader::Create(o).status().message().find("max_in_flight"), std::string::npos);
  o.max_in_flight = 4;
  o.assemble_threads = -1;
  EXPECT_NE(ChunkDownloader::Create(o).status().message().find("assemble_threads"),
            std::string::npos);
}

}  // namespace
}  // namespace mota::fetch
