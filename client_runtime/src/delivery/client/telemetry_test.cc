// The telemetry queue: bounded on disk, kept across restarts, sent in the server's own format
// (checked with the server's parser), never lost on a failed send.
#include "delivery/client/telemetry.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "server/repository/telemetry_event.h"
#include "tests/support/test_dir.h"

namespace mota::client {
namespace {

namespace fs = std::filesystem;
const std::string kHash(64, 'c');

class TelemetryQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_telemetry_test").string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  TelemetryQueue Open(size_t limit) {
    auto q = TelemetryQueue::Open((dir_ / "queue.json").string(), limit, "linux-x86_64", kHash);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return std::move(q).value();
  }
  static TelemetryEvent Outcome(int64_t release) {
    return {.type = "update_outcome",
            .model = "mlp",
            .release = release,
            .variant = "cpu-fp16",
            .outcome = "success"};
  }
  fs::path dir_;
};

TEST_F(TelemetryQueueTest, queue_is_bounded_drops_the_oldest_and_survives_a_restart) {
  {
    TelemetryQueue q = Open(3);
    for (int64_t r = 1; r <= 5; ++r) ASSERT_TRUE(q.Add(Outcome(r)).ok());
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.dropped(), 2u);
  }
  TelemetryQueue q = Open(3);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.events().front().release, 3);
  EXPECT_EQ(q.dropped(), 2u);
}

TEST_F(TelemetryQueueTest, batches_are_what_the_server_parser_accepts) {
  TelemetryQueue q = Open(10);
  ASSERT_TRUE(q.Add(Outcome(1)).ok());
  ASSERT_TRUE(q.Add({.type = "update_outcome",
                     .model = "mlp",
                     .release = 2,
                     .variant = "v",
                     .outcome = "failure",
                     .stage = "selftest",
                     .detail = "output 0 differs"})
                  .ok());
  ASSERT_TRUE(q.Add({.type = "selftest_failure",
                     .model = "mlp",
                     .release = 2,
                     .variant = "v",
                     .detail = std::string(2000, 'x')})
                  .ok());
  ASSERT_TRUE(
      q.Add({.type = "fallback", .model = "mlp", .release = 2, .variant = "w", .from_variant = "v"})
          .ok());
  auto events = server::repository::ParseTelemetryBatch(q.BatchBody(0, q.size()));
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[1].stage, "selftest");
  EXPECT_EQ((*events)[2].detail.size(), kMaxDetailBytes);  // cut to the server's limit
  EXPECT_EQ((*events)[3].from_variant, "v");
  EXPECT_EQ((*events)[0].install_id_hash, kHash);
}

TEST_F(TelemetryQueueTest, detail_is_cut_at_a_utf8_boundary) {
  TelemetryQueue q = Open(10);
  std::string detail(kMaxDetailBytes - 1, 'a');
  detail += "\xC3\xA9\xC3\xA9";  // a two-byte character straddles the limit
  ASSERT_TRUE(q.Add({.type = "selftest_failure",
                     .model = "mlp",
                     .release = 1,
                     .variant = "v",
                     .detail = detail})
                  .ok());
  EXPECT_EQ(q.events()[0].detail.size(), kMaxDetailBytes - 1);
  EXPECT_TRUE(server::repository::ParseTelemetryBatch(q.BatchBody(0, 1)).ok());
}

TEST_F(TelemetryQueueTest, failed_send_keeps_the_batch_and_a_later_flush_sends_it) {
  TelemetryQueue q = Open(10);
  for (int64_t r = 1; r <= 5; ++r) ASSERT_TRUE(q.Add(Outcome(r)).ok());
  int calls = 0;
  size_t sent = 0;
  const Status down = q.Flush(
      "http://x/v1/telemetry", 2,
      [&](auto&, auto&) {
        return ++calls == 2 ? Status(StatusCode::kUnavailable, "connection refused") : Status::Ok();
      },
      &sent);
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  EXPECT_EQ(sent, 2u);
  EXPECT_EQ(q.size(), 3u);
  std::vector<std::string> bodies;
  ASSERT_TRUE(q.Flush(
                   "u", 2,
                   [&](auto&, const std::string& b) {
                     bodies.push_back(b);
                     return Status::Ok();
                   },
                   &sent)
                  .ok());
  EXPECT_EQ(sent, 3u);
  EXPECT_EQ(bodies.size(), 2u);  // 2 + 1
  EXPECT_EQ(Open(10).size(), 0u);
}

TEST_F(TelemetryQueueTest, events_without_a_release_or_variant_are_refused) {
  TelemetryQueue q = Open(10);
  EXPECT_EQ(q.Add(Outcome(0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q.size(), 0u);
}

TEST(DeviceClass, free_text_becomes_a_class_the_server_accepts) {
  EXPECT_EQ(SanitizeDeviceClass("Linux-x86_64"), "linux-x86_64");
  EXPECT_EQ(SanitizeDeviceClass("  Android 14/Pixel 8"), "android-14-pixel-8");
  EXPECT_EQ(SanitizeDeviceClass("!!!"), "unknown");
  EXPECT_EQ(SanitizeDeviceClass(std::string(100, 'a')).size(), 64u);
}

}  // namespace
}  // namespace mota::client
