// The HTTP server over a real socket on 127.0.0.1 (port 0): routing, keep-alive, limits,
// timeouts, graceful stop and /metrics.
#include "server/http/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/http/test_client.h"

namespace mota::server::http {
namespace {

using testing::Get;
using testing::TestConnection;

Response Text(std::string body) { return Response::Bytes(200, std::move(body), "text/plain"); }

TEST(RouterTest, exact_route_beats_prefix_and_longest_prefix_wins) {
  Router router;
  router.HandlePrefix("GET", "/a/", [](const Request&) { return Text("short"); });
  router.HandlePrefix("GET", "/a/b/", [](const Request&) { return Text("long"); });
  router.Handle("GET", "/a/b/c", [](const Request&) { return Text("exact"); });
  Request request;
  auto body = [&](std::string_view path) {
    Router::Match m = router.Find("GET", path);
    return m.route ? m.route->handler(request).body : std::string("none");
  };
  EXPECT_EQ(body("/a/b/c"), "exact");
  EXPECT_EQ(body("/a/b/x"), "long");
  EXPECT_EQ(body("/a/x"), "short");
  EXPECT_EQ(body("/b"), "none");
}

TEST(RouterTest, other_method_on_known_path_reports_allow) {
  Router router;
  router.Handle("POST", "/v1/x", [](const Request&) { return Text("x"); });
  Router::Match m = router.Find("GET", "/v1/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_NE(router.Find("HEAD", "/v1/x").allow.find("POST"), std::string::npos);
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    router_.Handle("GET", "/hello", [](const Request& r) {
      return Text("hello " + std::string(r.query) + " from " + r.remote_address);
    });
    router_.Handle("POST", "/echo",
                   [](const Request& r) {
                     Response out = Text(std::string(r.body));
                     out.SetHeader("X-Token", std::string(r.BearerToken()));
                     return out;
                   },
                   {.route_class = "echo", .max_body_bytes = 1000});
    router_.Handle("GET", "/slow", [](const Request&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Text("slow done");
    });
    router_.Handle("GET", "/throw", [](const Request&) -> Response {
      throw std::runtime_error("boom");
    });
    options.threads = 2;
    server_ = std::make_unique<Server>(std::move(router_), options);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  Router router_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, get_returns_handler_body_with_length_and_date) {
  StartServer();
  auto r = Get(port_, "/hello?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.substr(0, 14), "hello x=1 from");
  EXPECT_NE(r->body.find("127.0.0.1:"), std::string::npos);
  EXPECT_EQ(r->Header("content-length"), std::to_string(r->body.size()));
  EXPECT_FALSE(r->Header("date").empty());
}

TEST_F(ServerTest, keep_alive_serves_several_requests_on_one_connection) {
  StartServer();
  TestConnection c(port_);
  ASSERT_TRUE(c.connected());
  // Pipelined: three requests in one write, answered in order on the same connection.
  ASSERT_TRUE(c.Send("GET /hello?1 HTTP/1.1\r\nHost: t\r\n\r\n"
                     "GET /hello?2 HTTP/1.1\r\nHost: t\r\n\r\n"
                     "HEAD /hello?3 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto a = c.Read(), b = c.Read(), h = c.Read(/*head=*/true);
  ASSERT_TRUE(a && b && h);
  EXPECT_EQ(a->body.substr(0, 7), "hello 1");
  EXPECT_EQ(b->body.substr(0, 7), "hello 2");
  EXPECT_EQ(h->status, 200);
  EXPECT_NE(h->Header("content-length"), "0");  // HEAD reports the GET's length
  ASSERT_TRUE(c.Send("GET /hello?4 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto d = c.Read();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body.substr(0, 7), "hello 4");
}

TEST_F(ServerTest, unknown_path_is_404_and_wrong_method_is_405_with_allow) {
  StartServer();
  auto r = Get(port_, "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(r->body.find("/nope"), std::string::npos);
  auto m = Get(port_, "/echo");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 405);
  EXPECT_EQ(m->Header("allow"), "POST");
}

TEST_F(ServerTest, body_and_bearer_token_reach_the_handler) {
  StartServer();
  TestConnection c(port_);
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n"
         "Content-Length: 5\r\n\r\nhello");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->Header("x-token"), "s3cret");
}

TEST_F(ServerTest, expect_100_continue_gets_an_interim_response_before_the_body) {
  StartServer();
  TestConnection c(port_);
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  auto interim = c.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  c.Send("abc");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");
}

TEST_F(ServerTest, body_over_the_route_limit_is_413_before_it_is_read) {
  StartServer();
  TestConnection c(port_);
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("1000"), std::string::npos);
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(2)));
}

TEST_F(ServerTest, chunked_body_over_the_route_limit_is_413) {
  StartServer();
  TestConnection c(port_);
  std::string chunk(2000, 'x');
  c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + chunk +
         "\r\n0\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, oversized_header_is_431_and_closes) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  StartServer(options);
  TestConnection c(port_);
  c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(2)));
}

TEST_F(ServerTest, malformed_request_is_400) {
  StartServer();
  TestConnection c(port_);
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, handler_exception_is_500_and_server_keeps_serving) {
  StartServer();
  auto r = Get(port_, "/throw");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("boom"), std::string::npos);
  auto ok = Get(port_, "/hello");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ServerTest, slow_loris_client_trickling_a_header_is_dropped) {
  ServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  TestConnection c(port_);
  auto start = std::chrono::steady_clock::now();
  std::string request = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  bool closed = false;
  // One byte every 50 ms keeps each read busy but never completes the header.
  for (int i = 0; i < 60 && !closed; ++i) {
    if (!c.Send(std::string(1, request[i % request.size()]))) break;
    closed = c.ClosedWithin(std::chrono::milliseconds(50));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed || c.ClosedWithin(std::chrono::milliseconds(500)));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

TEST_F(ServerTest, idle_keep_alive_connection_is_closed_after_idle_timeout) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestConnection c(port_);
  c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.Read());
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(2)));
}

TEST_F(ServerTest, stop_lets_the_in_flight_request_finish_and_refuses_new_ones) {
  StartServer();
  TestConnection c(port_);
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the handler is running
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(std::chrono::seconds(5)); });
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slow done");
  EXPECT_EQ(r->Header("connection"), "close");
  stopped.get();
  TestConnection late(port_);
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, stop_closes_idle_keep_alive_connections_at_once) {
  StartServer();
  TestConnection c(port_);
  c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(c.Read());
  auto start = std::chrono::steady_clock::now();
  server_->Stop(std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(c.ClosedWithin(std::chrono::seconds(1)));
}

TEST_F(ServerTest, metrics_count_requests_by_route_and_code_and_custom_counters) {
  StartServer();
  Counter* custom = server_->metrics().GetCounter("mota_publish_total", "Releases published.",
                                                  {{"model", "m\"x"}});
  custom->Increment(3);
  ASSERT_TRUE(Get(port_, "/hello"));
  ASSERT_TRUE(Get(port_, "/nope"));
  // A request is counted once its last byte is written, which can be a moment after the client
  // has read it (another io thread may answer /metrics first): poll briefly.
  std::optional<testing::ParsedResponse> r;
  for (int i = 0; i < 100; ++i) {
    r = Get(port_, "/metrics");
    ASSERT_TRUE(r);
    if (r->body.find("code=\"404\",route=\"unknown\"} 1") != std::string::npos &&
        r->body.find("code=\"200\",route=\"other\"} 1") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->Header("content-type").find("text/plain"), std::string::npos);
  const std::string& text = r->body;
  EXPECT_NE(text.find("mota_http_requests_total{code=\"200\",route=\"other\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("mota_http_requests_total{code=\"404\",route=\"unknown\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE mota_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("mota_http_request_duration_seconds_count{route=\"other\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("mota_publish_total{model=\"m\\\"x\"} 3"), std::string::npos);
}

TEST_F(ServerTest, every_request_is_one_json_log_line) {
  FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  ServerOptions options;
  options.log = log;
  StartServer(options);
  ASSERT_TRUE(Get(port_, "/hello?q=%22x%0a"));
  ASSERT_TRUE(Get(port_, "/nope"));
  server_->Stop();  // flushes the io threads' buffered lines
  std::rewind(log);
  std::vector<nlohmann::json> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), log)) lines.push_back(nlohmann::json::parse(buf));
  std::fclose(log);
  ASSERT_EQ(lines.size(), 2u);
  std::sort(lines.begin(), lines.end(),
            [](const auto& a, const auto& b) { return a["status"] < b["status"]; });
  EXPECT_EQ(lines[0]["method"], "GET");
  EXPECT_EQ(lines[0]["target"], "/hello?q=%22x%0a");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_GT(lines[0]["bytes"].get<int>(), 0);
  EXPECT_TRUE(lines[0]["remote"].get<std::string>().starts_with("127.0.0.1:"));
  EXPECT_TRUE(lines[0]["duration_ms"].is_number());
  EXPECT_TRUE(lines[0]["time"].get<std::string>().ends_with("Z"));
  EXPECT_EQ(lines[1]["status"], 404);
  EXPECT_EQ(lines[1]["route"], "unknown");
}

TEST(MetricsTest, histogram_buckets_are_cumulative) {
  MetricsRegistry registry;
  Histogram* h = registry.GetHistogram("lat", "Latency.", {0.1, 1});
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(5);
  std::string text = registry.RenderText();
  EXPECT_NE(text.find("lat_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_count 3\n"), std::string::npos);
  EXPECT_EQ(registry.GetHistogram("lat", "Latency.", {}), h);  // same name, same metric
}

TEST_F(ServerTest, bind_to_a_port_in_use_fails_with_the_address) {
  StartServer();
  Router router;
  Server second(std::move(router), {.host = "127.0.0.1", .port = port_});
  Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(std::to_string(port_)), std::string::npos) << st.message();
}

}  // namespace
}  // namespace mota::server::http
