#include "converter/src/shape_inference.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>

namespace mota::converter {
namespace {

constexpr char kReplyOk = 1;
constexpr char kReplyRejected = 0;

// False plus the message when ONNX throws.
bool InferInProcess(onnx::ModelProto& model, bool data_propagation, std::string& error) {
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0, data_propagation);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

bool WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadAll(int fd) {
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// The child: infer, then reply with one status byte and either a GraphProto holding the inferred
// value_info and outputs, or ONNX's exception text. _exit: no atexit handlers, no stdio flushes
// of the parent's buffers.
[[noreturn]] void ChildMain(onnx::ModelProto& model, bool data_propagation, int fd) {
  std::string error;
  std::string reply;
  if (InferInProcess(model, data_propagation, error)) {
    onnx::GraphProto result;
    *result.mutable_value_info() = model.graph().value_info();
    *result.mutable_output() = model.graph().output();
    reply = std::string(1, kReplyOk) + result.SerializeAsString();
  } else {
    reply = std::string(1, kReplyRejected) + error;
  }
  _exit(WriteAll(fd, reply) ? 0 : 3);
}

Status Rejected(const std::string& error) {
  return InvalidArgument("ONNX shape inference rejects the model: ", error);
}

Status ApplyReply(const std::string& reply, int wait_status, onnx::ModelProto& model) {
  if (WIFSIGNALED(wait_status)) {
    return InvalidArgument("ONNX shape inference crashed (signal ", WTERMSIG(wait_status), ", ",
                           strsignal(WTERMSIG(wait_status)),
                           ") on this model; ONNX trusts the model's structure, so it is most "
                           "likely malformed: check it with onnx.checker.check_model(model, "
                           "full_check=True)");
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0 || reply.empty()) {
    return Internal("the ONNX shape inference process failed (exit status ",
                    WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1, ", ", reply.size(),
                    " reply bytes)");
  }
  if (reply[0] != kReplyOk) return Rejected(reply.substr(1));
  onnx::GraphProto result;
  if (!result.ParseFromArray(reply.data() + 1, static_cast<int>(reply.size() - 1))) {
    return Internal("the ONNX shape inference process sent back ", reply.size(),
                    " bytes that do not parse as a GraphProto");
  }
  model.mutable_graph()->mutable_value_info()->Swap(result.mutable_value_info());
  model.mutable_graph()->mutable_output()->Swap(result.mutable_output());
  return Status::Ok();
}

Status InferWithoutFork(onnx::ModelProto& model, bool data_propagation) {
  std::string error;
  if (InferInProcess(model, data_propagation, error)) return Status::Ok();
  return Rejected(error);
}

}  // namespace

Status RunOnnxShapeInference(onnx::ModelProto& model, bool data_propagation) {
  // Build ONNX's schema registry here, so the child never starts from a half-built one that
  // another thread of this process was initializing at fork time.
  onnx::OpSchemaRegistry::Instance();
  int fds[2];
  if (pipe(fds) != 0) return InferWithoutFork(model, data_propagation);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return InferWithoutFork(model, data_propagation);
  }
  if (pid == 0) {
    close(fds[0]);
    ChildMain(model, data_propagation, fds[1]);
  }
  close(fds[1]);
  const std::string reply = ReadAll(fds[0]);  // until the child closes its end (exit or crash)
  close(fds[0]);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR)
      return Internal("waitpid for the ONNX shape inference process: ", strerror(errno));
  }
  return ApplyReply(reply, wait_status, model);
}

}  // namespace mota::converter
