// Updates from one release to the next: only changed chunks travel (the issue's "last layer
// changed -> <= 5% of the variant's bytes"), store chunks from the earlier release are used, and
// a full disk fails cleanly.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/fault_server_test_util.h"
#include "delivery/fetch/store_budget.h"
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

// ResNet-18's constant tensors in parameters (conv weights, folded BN as biases, fc last),
// scaled to bytes / 4 so the test stays fast: the same shape of file, 11.7 MB.
const std::vector<uint64_t> kResnetLikeLayers = {
    9408,   64,  36864,   64,  36864,   64,  36864,  64,  36864,   64,  73728,   128, 147456, 128,
    8192,   128, 147456,  128, 147456,  128, 294912, 256, 589824,  256, 32768,   256, 589824, 256,
    589824, 256, 1179648, 512, 2359296, 512, 131072, 512, 2359296, 512, 2359296, 512, 512000, 1000};

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_update_test").string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Serve(const bundle::testing::Packed& p) {
    for (size_t i = 0; i < p.frames.size(); ++i) blobs_[p.index.chunks[i].sha256] = p.frames[i];
  }
  DownloadOptions Options(const FaultServer& server) {
    DownloadOptions o;
    o.base_url = server.base_url();
    o.store_dir = dir_ + "/store";
    o.max_attempts = 1;
    return o;
  }
  std::vector<uint8_t> Read(const std::string& name) {
    return ReadWholeFile(dir_ + "/" + name, 1 << 30).value();
  }
  // No ".partial-" assembly file left in the test directory.
  bool NoTemporaryFiles() const {
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".partial-") != std::string::npos) return false;
    return true;
  }

  std::string dir_;
  std::map<std::string, std::vector<uint8_t>> blobs_;
};

// The data-section range of buffer `i` of a MakeModel file.
std::pair<uint64_t, uint64_t> BufferRange(const std::vector<uint8_t>& file, size_t i) {
  format::ModelHeader h;
  std::memcpy(&h, file.data(), sizeof(h));
  const fb::Buffer* b =
      fb::GetModel(file.data() + h.graph_offset)->buffers()->Get(static_cast<uint32_t>(i));
  return {h.data_offset + b->offset(), b->size()};
}

TEST_F(UpdateTest, a_release_changing_only_the_last_layer_transfers_under_5_percent) {
  std::vector<uint8_t> a = bundle::testing::MakeModel(kResnetLikeLayers, 7);
  std::vector<uint8_t> b = a;
  for (size_t layer : {kResnetLikeLayers.size() - 2, kResnetLikeLayers.size() - 1}) {
    auto [offset, size] = BufferRange(b, layer);  // the fc weights and bias: fine-tuned
    for (uint64_t k = 0; k < size; ++k) b[offset + k] ^= static_cast<uint8_t>(k * 31 + 1);
  }
  bundle::testing::Packed pa = bundle::testing::Pack(a), pb = bundle::testing::Pack(b);
  Serve(pa);
  Serve(pb);
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto d = ChunkDownloader::Create(Options(server)).value();
  ASSERT_TRUE(d->Download(pa.index, dir_ + "/a.mota").ok());
  auto stats = d->Download(pb.index, dir_ + "/b.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(Read("b.mota"), b);
  uint64_t wire = 0;
  for (const auto& c : pb.index.chunks) wire += c.zstd_size;
  const uint64_t last_layer = BufferRange(b, kResnetLikeLayers.size() - 2).second;
  EXPECT_GE(stats->bytes_received, last_layer);  // the changed weights did travel
  EXPECT_LE(stats->bytes_received * 100, wire * 5)
      << stats->bytes_received << " of " << wire << " bytes fetched";
  EXPECT_GT(stats->blobs_present, pb.index.chunks.size() * 9 / 10);
}

TEST_F(UpdateTest, disk_full_while_storing_chunks_names_the_path_and_keeps_the_old_model) {
  std::vector<uint8_t> model = bundle::testing::MakeModel({300000, 100000, 5000, 70000});
  bundle::testing::Packed p = bundle::testing::Pack(model);
  Serve(p);
  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  std::ofstream(dir_ + "/model.mota") << "active version";
  DownloadOptions o = Options(server);
  // Injected write hook (no tmpfs without root): the disk fills after 200000 bytes, whichever
  // file (a stored chunk or the assembled target) is written then.
  std::atomic<uint64_t> written{0};
  o.pwrite = [&](int fd, const void* data, size_t n, off_t at) -> ssize_t {
    if (written.fetch_add(n) + n > 200000) {
      errno = ENOSPC;
      return -1;
    }
    return ::pwrite(fd, data, n, at);
  };
  auto stats = ChunkDownloader::Create(o).value()->Download(p.index, dir_ + "/model.mota");
  ASSERT_FALSE(stats.ok());
  EXPECT_TRUE(IsDiskFull(stats.status())) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find(dir_), std::string::npos) << stats.status().ToString();
  std::ifstream in(dir_ + "/model.mota");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "active version");
  EXPECT_TRUE(NoTemporaryFiles());
  // Once there is space again, the update completes from what was stored.
  o.pwrite = nullptr;
  auto retry = ChunkDownloader::Create(o).value()->Download(p.index, dir_ + "/model.mota");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(Read("model.mota"), model);
}

TEST_F(UpdateTest, a_chunk_of_the_earlier_release_is_read_from_the_store_not_fetched) {
  std::vector<uint8_t> model = bundle::testing::MakeModel({300000, 100000, 5000, 70000});
  bundle::testing::Packed p = bundle::testing::Pack(model);
  Serve(p);
  // The server loses everything after the first download: the store alone must do. A flag, not
  // blobs_.clear(): the server thread may still be finishing its last response.
  std::atomic<bool> lost{false};
  const std::map<std::string, std::vector<uint8_t>> none;
  FaultServer server(
      [&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, lost ? none : blobs_); });
  auto d = ChunkDownloader::Create(Options(server)).value();
  ASSERT_TRUE(d->Download(p.index, dir_ + "/one.mota").ok());
  const int before = server.requests();
  lost = true;
  auto stats = d->Download(p.index, dir_ + "/two.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(server.requests(), before);
  EXPECT_EQ(stats->blobs_present, p.index.chunks.size());
  EXPECT_EQ(Read("two.mota"), model);
}

TEST_F(UpdateTest, a_cancelled_update_keeps_the_bytes_received_and_resumes_them) {
  // Download keeps frames in memory; bytes of a chunk cut short must still reach its .part.
  std::vector<uint8_t> model = bundle::testing::MakeModel({300000, 100000, 5000, 70000});
  bundle::testing::Packed p = bundle::testing::Pack(model);
  Serve(p);
  const bundle::ChunkRef& big =
      *std::max_element(p.index.chunks.begin(), p.index.chunks.end(),
                        [](const auto& x, const auto& y) { return x.zstd_size < y.zstd_size; });
  const size_t half = big.zstd_size / 2;
  FaultServer stalling([&](int fd, const RawRequest& r, int) {
    if (BlobName(r) != big.sha256) return ServeBlob(fd, r, blobs_);
    const auto& f = blobs_.at(big.sha256);
    SendAll(fd, Head(200, static_cast<int64_t>(f.size())));
    SendAll(fd, std::string_view(reinterpret_cast<const char*>(f.data()), half));
    while (!stalling.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  std::atomic<bool> cancel{false};
  DownloadOptions o = Options(stalling);
  o.http.cancel = &cancel;
  o.progress = [&](const Progress& progress) {
    // Every other chunk and half of the big one have arrived: the app cancels.
    if (progress.bytes_done >= progress.bytes_total - big.zstd_size + half) cancel = true;
  };
  auto first = ChunkDownloader::Create(o).value()->Download(p.index, dir_ + "/m.mota");
  EXPECT_EQ(first.status().code(), StatusCode::kCancelled) << first.status().ToString();
  EXPECT_EQ(FileSize(dir_ + "/store/blobs/" + big.zstd_sha256 + ".part"),
            static_cast<int64_t>(half));
  EXPECT_FALSE(fs::exists(dir_ + "/m.mota"));
  EXPECT_TRUE(NoTemporaryFiles());

  FaultServer server([&](int fd, const RawRequest& r, int) { ServeBlob(fd, r, blobs_); });
  auto second =
      ChunkDownloader::Create(Options(server)).value()->Download(p.index, dir_ + "/m.mota");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->resumed, 1);
  // Only the rest of the big chunk travels: its first half and the chunks that had arrived
  // (still queued for the workers when the update was cancelled) were kept in the store.
  EXPECT_EQ(second->bytes_received, big.zstd_size - half);
  EXPECT_EQ(second->blobs_downloaded, 1u);
  EXPECT_EQ(Read("m.mota"), model);
}

}  // namespace
}  // namespace mota::fetch
