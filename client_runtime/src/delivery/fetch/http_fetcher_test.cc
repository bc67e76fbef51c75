// HttpFetcher against real sockets on loopback (FaultServer): the trust layer's seam must stop
// endless data, abandon slow servers and map HTTP statuses as trust/fetcher.h says.
#include "delivery/fetch/http_fetcher.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "delivery/fetch/fault_server_test_util.h"

namespace mota::fetch {
namespace {

using testing::FaultServer;
using testing::Head;
using testing::RawRequest;
using testing::SendAll;

std::unique_ptr<HttpFetcher> MakeFetcher(HttpOptions options = {}) {
  auto fetcher = HttpFetcher::Create(std::move(options));
  EXPECT_TRUE(fetcher.ok()) << fetcher.status().ToString();
  return std::move(fetcher).value();
}

TEST(HttpFetcher, returns_the_body_of_a_200) {
  FaultServer server([](int fd, const RawRequest& r, int) { SendAll(fd, Head(200, 5) + "hello"); });
  auto fetcher = MakeFetcher();
  auto body = fetcher->Fetch(server.base_url() + "/metadata/timestamp.json", 100);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "hello");
  EXPECT_EQ(server.log().at(0).path, "/metadata/timestamp.json");
}

TEST(HttpFetcher, body_of_exactly_max_length_is_accepted) {
  FaultServer server([](int fd, const RawRequest&, int) { SendAll(fd, Head(200, -1) + "12345"); });
  auto body = MakeFetcher()->Fetch(server.base_url() + "/x", 5);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "12345");
}

TEST(HttpFetcher, endless_data_without_content_length_is_cut_at_the_cap) {
  FaultServer server([&](int fd, const RawRequest&, int) {
    SendAll(fd, Head(200, -1));
    std::string block(64 * 1024, 'x');
    // Up to 1 GiB: the client must hang up long before.
    for (int i = 0; i < 16384 && !server.stopping(); ++i)
      if (!SendAll(fd, block)) break;
  });
  auto start = std::chrono::steady_clock::now();
  auto body = MakeFetcher()->Fetch(server.base_url() + "/metadata/1.root.json", 1000);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kOutOfRange) << body.status().ToString();
  EXPECT_NE(body.status().message().find("1000"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HttpFetcher, declared_length_above_the_cap_is_refused_before_the_body) {
  FaultServer server([](int fd, const RawRequest&, int) {
    SendAll(fd, Head(200, 2000) + std::string(2000, 'y'));
  });
  auto body = MakeFetcher()->Fetch(server.base_url() + "/metadata/snapshot.json", 1999);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), StatusCode::kOutOfRange) << body.status().ToString();
}

TEST(HttpFetcher, http_404_and_403_are_not_found_other_statuses_unavailable) {
  FaultServer server([](int fd, const RawRequest& r, int) {
    int status = r.path == "/a" ? 404 : r.path == "/b" ? 403 : 503;
    std::string page(5000, 'e');  // an error page larger than the cap is still a status
    SendAll(fd, Head(status, static_cast<int64_t>(page.size())) + page);
  });
  auto fetcher = MakeFetcher();
  EXPECT_EQ(fetcher->Fetch(server.base_url() + "/a", 100).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fetcher->Fetch(server.base_url() + "/b", 100).status().code(), StatusCode::kNotFound);
  Status s = fetcher->Fetch(server.base_url() + "/c", 100).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("HTTP 503"), std::string::npos) << s.ToString();
  EXPECT_EQ(fetcher->requests(), 3);
}

TEST(HttpFetcher, slow_retrieval_server_trickling_bytes_is_abandoned) {
  FaultServer server([&](int fd, const RawRequest&, int) {
    SendAll(fd, Head(200, 1000));
    for (int i = 0; i < 1000 && !server.stopping(); ++i) {
      if (!SendAll(fd, "x")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  HttpOptions options;
  options.stall_bytes_per_second = 100;  // the server sends 10 B/s
  options.stall_time = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  Status s =
      MakeFetcher(options)->Fetch(server.base_url() + "/metadata/timestamp.json", 5000).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("timed out"), std::string::npos) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST(HttpFetcher, refused_connection_is_unavailable_naming_the_url) {
  // A port that was free a moment ago: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/m";
  Status s = MakeFetcher()->Fetch(url, 100).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(url), std::string::npos) << s.ToString();
}

TEST(HttpFetcher, other_protocols_than_http_are_refused) {
  Status s = MakeFetcher()->Fetch("file:///etc/passwd", 100000).status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

TEST(HttpFetcher, cancel_flag_stops_a_transfer) {
  std::atomic<bool> cancel{false};
  FaultServer server([&](int fd, const RawRequest&, int) {
    SendAll(fd, Head(200, 1000));
    for (int i = 0; i < 1000 && !server.stopping(); ++i) {
      if (!SendAll(fd, "x")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  HttpOptions options;
  options.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  auto start = std::chrono::steady_clock::now();
  Status s = MakeFetcher(options)->Fetch(server.base_url() + "/t", 5000).status();
  canceller.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace mota::fetch
