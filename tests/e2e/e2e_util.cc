#include "tests/e2e/e2e_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "manifests/lib/bundle/sha256.h"

namespace mota::e2e {

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Sha256(const std::string& bytes) {
  return bundle::Sha256Hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

pid_t Spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

int RunProcess(const std::vector<std::string>& argv, const fs::path& dir, std::string* log) {
  pid_t pid = Spawn(argv, dir / "run.out", dir / "run.err");
  int status = 0;
  ::waitpid(pid, &status, 0);
  *log += Slurp(dir / "run.out") + Slurp(dir / "run.err");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Terminate(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool WaitForPort(uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    server::http::testing::TestConnection c(port);
    if (c.connected()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
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
