#include "tests/e2e/e2e_util.h"

#include <sys/wait.h>

#include <thread>

#include "manifests/lib/bundle/sha256.h"

namespace mota::e2e {

std::string Sha256(const std::string& bytes) {
  return bundle::Sha256Hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

int RunProcess(const std::vector<std::string>& argv, const fs::path& dir, std::string* log) {
  pid_t pid = Spawn(argv, dir / "run.out", dir / "run.err");
  int status = 0;
  ::waitpid(pid, &status, 0);
  *log += Slurp(dir / "run.out") + Slurp(dir / "run.err");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint16_t WaitForServePort(const fs::path& out, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = Slurp(out);
    size_t at = text.find("127.0.0.1:");
    if (at != std::string::npos && text.find(' ', at) != std::string::npos) {
      return static_cast<uint16_t>(std::stoi(text.substr(at + 10)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

std::optional<server::http::testing::ParsedResponse> Post(uint16_t port, const std::string& target,
                                                          const std::string& body) {
  server::http::testing::TestConnection c(port);
  if (!c.connected()) return std::nullopt;
  c.Send("POST " + target + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  return c.Read(false);
}

}  // namespace mota::e2e
