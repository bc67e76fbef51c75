// `mota serve --repo DIR --listen HOST:PORT [--threads N] [--config server.yaml] [--log FILE]`:
// the update server (server/http). Serves the repository tree with Range/ETag/Cache-Control,
// /metrics, one JSON log line per request; stops gracefully on SIGTERM/SIGINT (stop accepting,
// let in-flight requests finish within shutdown_grace_seconds, exit 0).
//
// server.yaml (every key optional; command-line flags win over the file):
//   repo: /srv/mota/repo
//   listen: 0.0.0.0:8080              # port 0: the OS picks one (printed on startup)
//   threads: 4                        # io threads (default: number of cores)
//   log: /var/log/mota/requests.log   # "-": stderr (default), "off": no request log
//   timestamp_max_age_seconds: 60     # Cache-Control max-age of timestamp.json and root.json
//   max_header_bytes: 16384           # bigger request headers get 431
//   header_timeout_ms: 10000          # a request header must arrive within this (slow loris)
//   body_timeout_ms: 60000            # a request body must arrive within this
//   idle_timeout_ms: 30000            # keep-alive connections idle longer are closed
//   write_timeout_ms: 60000           # a client that reads nothing for this long is dropped
//   shutdown_grace_seconds: 10        # how long SIGTERM waits for in-flight requests
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "server/admin/publish_api.h"
#include "server/admin/rollout_api.h"
#include "server/http/server.h"
#include "server/http/static_files.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

namespace http = mota::server::http;

struct ServeArgs {
  std::string repo, listen, config, log;
  std::string token_file, snapshot_key, timestamp_key;  // the publishing admin API
  std::string database;  // rollouts and telemetry (SQLite); needs the admin flags above
  double max_failure_rate = -1;
  int64_t min_devices = -1;
  int threads = 0;
  int max_age = -1;
};

struct ServeConfig {
  std::string repo, listen = "127.0.0.1:8080", log = "-";
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int max_age = 60;
  int grace_seconds = 10;
  http::ServerOptions server;
};

Status ParseListen(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return InvalidArgument("--listen '", listen, "' is not HOST:PORT (e.g. 127.0.0.1:8080)");
  }
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);  // [::1]:8080
  }
  std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  long value = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || value < 0 || value > 65535) {
    return InvalidArgument("--listen '", listen, "': port '", port_text,
                           "' is not a number in 0..65535");
  }
  *port = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status LoadConfig(const std::string& path, ServeConfig* config) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("cannot read config ", path, ": ", e.what());
  }
  if (!root.IsMap() && !root.IsNull()) {
    return InvalidArgument("config ", path, " must be a YAML mapping of keys to values");
  }
  try {
    auto ms = [&](const char* key, std::chrono::milliseconds* out) {
      if (root[key]) *out = std::chrono::milliseconds(root[key].as<int64_t>());
    };
    if (root["repo"]) config->repo = root["repo"].as<std::string>();
    if (root["listen"]) config->listen = root["listen"].as<std::string>();
    if (root["threads"]) config->threads = root["threads"].as<int>();
    if (root["log"]) config->log = root["log"].as<std::string>();
    if (root["timestamp_max_age_seconds"]) {
      config->max_age = root["timestamp_max_age_seconds"].as<int>();
    }
    if (root["max_header_bytes"]) {
      config->server.max_header_bytes = root["max_header_bytes"].as<size_t>();
    }
    ms("header_timeout_ms", &config->server.header_timeout);
    ms("body_timeout_ms", &config->server.body_timeout);
    ms("idle_timeout_ms", &config->server.idle_timeout);
    ms("write_timeout_ms", &config->server.write_timeout);
    if (root["shutdown_grace_seconds"]) {
      config->grace_seconds = root["shutdown_grace_seconds"].as<int>();
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument("config ", path, ": a value has the wrong type: ", e.what());
  }
  return Status::Ok();
}

Status Serve(const ServeArgs& args) {
  ServeConfig config;
  if (!args.config.empty()) MOTA_RETURN_IF_ERROR(LoadConfig(args.config, &config));
  if (!args.repo.empty()) config.repo = args.repo;
  if (!args.listen.empty()) config.listen = args.listen;
  if (!args.log.empty()) config.log = args.log;
  if (args.threads > 0) config.threads = args.threads;
  if (args.max_age >= 0) config.max_age = args.max_age;
  if (config.repo.empty()) {
    return InvalidArgument("no repository: pass --repo DIR or set 'repo' in the config");
  }
  struct stat st {};
  std::string timestamp = config.repo + "/metadata/timestamp.json";
  if (::stat(timestamp.c_str(), &st) != 0) {
    return NotFound(config.repo, " is not a repository: ", timestamp,
                    " is missing (create one with 'mota repo init')");
  }
  if (config.threads < 1 || config.threads > 256) {
    return InvalidArgument("threads ", config.threads, " is outside 1..256");
  }
  config.server.threads = config.threads;
  MOTA_RETURN_IF_ERROR(ParseListen(config.listen, &config.server.host, &config.server.port));

  std::unique_ptr<FILE, int (*)(FILE*)> log_file(nullptr, &std::fclose);
  if (config.log == "-") {
    config.server.log = stderr;
  } else if (config.log != "off") {
    log_file.reset(std::fopen(config.log.c_str(), "a"));
    if (!log_file) return InvalidArgument("cannot open log file ", config.log, " for appending");
    // Opened for appending; the server batches whole lines per io thread (request_log.h).
    config.server.log = log_file.get();
  }

  http::Router router;
  http::RegisterStaticRoutes(router, {.repo = config.repo,
                                      .mutable_max_age_seconds = config.max_age});
  // The publishing admin API (server/admin/publish_api.h) when its flags are given.
  std::unique_ptr<server::admin::PublishAdmin> publish_admin;
  if (!args.token_file.empty() || !args.snapshot_key.empty() || !args.timestamp_key.empty()) {
    MOTA_ASSIGN_OR_RETURN(publish_admin,
                          server::admin::PublishAdmin::Create(
                              {.repo = config.repo,
                               .token_file = args.token_file,
                               .snapshot_key = args.snapshot_key,
                               .timestamp_key = args.timestamp_key,
                               .log = config.server.log ? config.server.log : stderr}));
    publish_admin->Register(router);
  }
  // Rollouts, telemetry and the online metadata's expiry refresh (server/admin/rollout_api.h).
  std::unique_ptr<server::admin::RolloutAdmin> rollout_admin;
  if (!args.database.empty()) {
    if (!publish_admin) {
      return InvalidArgument("--database ", args.database,
                             " needs --token-file, --snapshot-key and --timestamp-key too (the "
                             "rollout API is an admin API that signs with the online keys)");
    }
    server::admin::RolloutAdminFlags flags{.repo = config.repo,
                                           .token_file = args.token_file,
                                           .snapshot_key = args.snapshot_key,
                                           .timestamp_key = args.timestamp_key,
                                           .database = args.database};
    if (args.max_failure_rate >= 0) flags.policy.max_failure_rate = args.max_failure_rate;
    if (args.min_devices >= 0) flags.policy.min_devices = args.min_devices;
    flags.log = config.server.log ? config.server.log : stderr;
    MOTA_ASSIGN_OR_RETURN(rollout_admin, server::admin::RolloutAdmin::Create(flags));
    rollout_admin->Register(router);
  }

  // Block the stop signals in every thread (the io threads inherit this mask); the main thread
  // waits for them with sigwait, so no handler runs inside the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  http::Server server(std::move(router), config.server);
  if (publish_admin) publish_admin->AttachMetrics(server.metrics());
  if (rollout_admin) rollout_admin->AttachMetrics(server.metrics());
  MOTA_RETURN_IF_ERROR(server.Start());
  std::printf("mota serve: listening on http://%s (repo %s, %d threads)\n",
              server.address().c_str(), config.repo.c_str(), config.threads);
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "mota serve: %s received, finishing in-flight requests (up to %d s)\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT", config.grace_seconds);
  server.Stop(std::chrono::seconds(config.grace_seconds));
  std::fprintf(stderr, "mota serve: stopped\n");
  return Status::Ok();
}

}  // namespace

Command AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand("serve", "Serve a repository over HTTP (the update server)");
  sub->add_option("--repo", args->repo, "Repository directory (mota repo init)");
  sub->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks a free one)");
  sub->add_option("--threads", args->threads, "io threads (default: number of cores)");
  sub->add_option("--config", args->config, "server.yaml (keys below; flags win)");
  sub->add_option("--log", args->log, "Request log: FILE, '-' for stderr (default), 'off'");
  sub->add_option("--token-file", args->token_file,
                  "Admin bearer token file (0600); enables the publishing API with the keys below");
  sub->add_option("--snapshot-key", args->snapshot_key, "The root's snapshot key (online)");
  sub->add_option("--timestamp-key", args->timestamp_key, "The root's timestamp key (online)");
  sub->add_option("--database", args->database,
                  "SQLite file for rollouts and telemetry; enables /v1/admin/rollouts/<model>, "
                  "POST /v1/telemetry and the online metadata's expiry refresh");
  sub->add_option("--max-failure-rate", args->max_failure_rate,
                  "Telemetry failure rate on any device class that halts a rollout (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--min-devices", args->min_devices,
                  "Devices that must have reported before a release is judged (default 50)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--max-age", args->max_age,
                  "Cache-Control max-age in seconds for timestamp.json and root.json (default 60)");
  sub->footer(
      "server.yaml keys: repo, listen, threads, log, timestamp_max_age_seconds, max_header_bytes,\n"
      "  header_timeout_ms, body_timeout_ms, idle_timeout_ms, write_timeout_ms,\n"
      "  shutdown_grace_seconds (see server/http/README.md).\n"
      "Prints 'mota serve: listening on http://HOST:PORT' once bound. SIGTERM/SIGINT: stop\n"
      "accepting, finish in-flight requests, exit 0.\n"
      "Example: mota serve --repo repo --listen 0.0.0.0:8080 --threads 4");
  return {sub, [args] {
            Status st = Serve(*args);
            return st.ok() ? 0 : ReportError("serve", st);
          }};
}

}  // namespace mota::cli
