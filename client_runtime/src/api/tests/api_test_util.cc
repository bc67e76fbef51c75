#include "api/tests/api_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "converter/src/convert.h"
#include "converter/src/writer.h"

namespace mota::api::testing {
namespace {

namespace fs = std::filesystem;

// Removes the process's temp root when the test binary exits.
struct TempRoot {
  fs::path path = fs::temp_directory_path() / ("mota_api_test_" + std::to_string(getpid()));
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& Root() {
  static TempRoot root;
  fs::create_directories(root.path);
  return root.path;
}

}  // namespace

std::string TempDir(const std::string& tag) {
  static int counter = 0;
  const fs::path dir = Root() / (tag + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  return dir.string();
}

std::string ConvertedModel(const std::string& name) {
  static std::map<std::string, std::string> converted;
  auto it = converted.find(name);
  if (it != converted.end()) return it->second;
  const std::string onnx = std::string(MOTA_SHARED_DIR) + "/models/" + name + ".onnx";
  Result<model::Graph> graph = converter::ConvertOnnxFile(onnx, {});
  if (!graph.ok()) {
    ADD_FAILURE() << onnx << ": " << graph.status().ToString();
    return "";
  }
  const std::string path = (Root() / (name + ".mota")).string();
  const Status written = converter::WriteModel(*graph, path);
  if (!written.ok()) {
    ADD_FAILURE() << path << ": " << written.ToString();
    return "";
  }
  converted[name] = path;
  return path;
}

std::string LastError() { return mota_last_error(); }

}  // namespace mota::api::testing
