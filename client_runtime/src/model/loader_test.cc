// Loader attacks found by fuzzing (tests/fuzz/model_loader_fuzz.cc); the crafted inputs live in
// tests/fuzz/regressions/model_loader/, which the replay test also runs.
#include "model/loader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "exec/plan.h"

namespace mota::model {
namespace {

// The file's bytes at a 64-byte aligned address, as a mapping would place them.
class AlignedFile {
 public:
  explicit AlignedFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    storage_.resize(bytes.size() + 64);
    data_ = storage_.data() + (64 - reinterpret_cast<uintptr_t>(storage_.data()) % 64) % 64;
    std::memcpy(data_, bytes.data(), bytes.size());
    size_ = bytes.size();
  }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// The verifier passes a [long] vector whose elements sit at 4 mod 8; reading them is undefined
// behaviour (UBSan: misaligned load; armv7: bus error).
TEST(Loader, misaligned_int64_dims_vector_is_rejected) {
  AlignedFile file(std::string(MOTA_SOURCE_DIR) +
                   "/tests/fuzz/regressions/model_loader/misaligned_int64_dims_vector.mota");
  ASSERT_GT(file.bytes().size(), 64u);
  Result<std::unique_ptr<Model>> model = Model::LoadFromBuffer(file.bytes());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("dims vector is not 8-byte aligned"), std::string::npos)
      << model.status().ToString();
}

// The same verifier gap for the vector of 8-byte Buffer structs.
TEST(Loader, misaligned_buffers_struct_vector_is_rejected) {
  AlignedFile file(std::string(MOTA_SOURCE_DIR) +
                   "/tests/fuzz/regressions/model_loader/misaligned_buffers_struct_vector.mota");
  Result<std::unique_ptr<Model>> model = Model::LoadFromBuffer(file.bytes());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("buffers vector is not 8-byte aligned"),
            std::string::npos)
      << model.status().ToString();
}

// Loads a saved fuzz input (it verifies: attributes are data) and plans it with its declared
// input shapes: planning must fail with `expected_error`, not overflow.
void ExpectPlanError(const std::string& name, const std::string& expected_error) {
  SCOPED_TRACE(name);
  AlignedFile file(std::string(MOTA_SOURCE_DIR) + "/tests/fuzz/regressions/model_loader/" + name);
  Result<std::unique_ptr<Model>> model = Model::LoadFromBuffer(file.bytes());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<Shape> shapes;
  for (int32_t id : model.value()->graph().inputs) {
    Shape shape;
    for (const Dim& d : model.value()->graph().tensors[id].dims) shape.push_back(d.value);
    shapes.push_back(shape);
  }
  Result<exec::ExecutionPlan> plan = exec::PlanExecution(model.value()->graph(), shapes);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find(expected_error), std::string::npos)
      << plan.status().ToString();
}

// A Conv whose pads are near -2^63 loaded fine (attributes are data) and then overflowed int64
// in shape inference (UBSan: signed overflow in conv_util's ExplicitOutSize).
TEST(Loader, conv_pads_overflowing_int64_are_rejected_when_planning) {
  ExpectPlanError("conv_pads_overflowing_int64.mota", "has a value outside");
}

// DepthToSpace's blocksize^2 overflowed int64 the same way.
TEST(Loader, depth_to_space_blocksize_overflowing_int64_is_rejected_when_planning) {
  ExpectPlanError("depth_to_space_blocksize_overflowing_int64.mota",
                  "must be >= 1 with blocksize^2 dividing");
}

// A MaxPool whose window work (outputs x kernel) was ~2^50 kept prepare busy for minutes.
TEST(Loader, max_pool_huge_window_is_rejected_when_planning_not_spun_on) {
  ExpectPlanError("max_pool_huge_window_spins_at_prepare.mota", "taps allowed per dim");
}

TEST(Loader, golden_models_load_from_an_aligned_buffer) {
  for (const char* name : {"add_relu", "all_dtypes", "symbolic_batch"}) {
    AlignedFile file(std::string(MOTA_SOURCE_DIR) + "/manifests/golden/valid/" + name + ".mota");
    Result<std::unique_ptr<Model>> model = Model::LoadFromBuffer(file.bytes());
    EXPECT_TRUE(model.ok()) << name << ": " << model.status().ToString();
  }
}

}  // namespace
}  // namespace mota::model
