// mota_tensor_*, mota_dtype_*, mota_status_string and mota_last_error through the C ABI.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "api/tests/api_test_util.h"
#include "exec/npy.h"
#include "mota/mota.h"

namespace mota::api::testing {
namespace {

TEST(CApiStatus, every_code_has_its_name_and_unknown_numbers_are_marked) {
  EXPECT_STREQ(mota_status_string(MOTA_OK), "OK");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_INVALID_ARGUMENT), "INVALID_ARGUMENT");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_NOT_FOUND), "NOT_FOUND");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_UNIMPLEMENTED), "UNIMPLEMENTED");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_OUT_OF_RANGE), "OUT_OF_RANGE");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_DATA_LOSS), "DATA_LOSS");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_INTERNAL), "INTERNAL");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_UNAVAILABLE), "UNAVAILABLE");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_VERIFICATION_FAILED), "VERIFICATION_FAILED");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_INCOMPATIBLE), "INCOMPATIBLE");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_OUT_OF_MEMORY), "OUT_OF_MEMORY");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_FAILED_PRECONDITION), "FAILED_PRECONDITION");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_IO), "IO_ERROR");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_CANCELLED), "CANCELLED");
  EXPECT_STREQ(mota_status_string(MOTA_ERR_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(mota_status_string(static_cast<mota_status_t>(15)), "UNKNOWN_STATUS");
  EXPECT_STREQ(mota_status_string(static_cast<mota_status_t>(-1)), "UNKNOWN_STATUS");
}

TEST(CApiStatus, version_is_the_projects) { EXPECT_STREQ(mota_version(), MOTA_VERSION_STRING); }

TEST(CApiStatus, last_error_is_per_thread) {
  mota_tensor_t* t = nullptr;
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_F32, nullptr, 0, &t), MOTA_OK);
  std::thread other([] {
    mota_tensor_t* bad = nullptr;
    const int64_t dims[] = {-1};
    EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, dims, 1, &bad), MOTA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mota_last_error()).find("dims[0] is -1"), std::string::npos);
  });
  other.join();
  EXPECT_STREQ(mota_last_error(), "") << "another thread's failure must not show here";
  mota_tensor_destroy(t);
}

TEST(CApiDType, names_and_sizes_follow_the_format) {
  EXPECT_STREQ(mota_dtype_name(MOTA_DTYPE_F32), "f32");
  EXPECT_STREQ(mota_dtype_name(MOTA_DTYPE_BOOL), "bool");
  EXPECT_STREQ(mota_dtype_name(static_cast<mota_dtype_t>(42)), "undefined");
  EXPECT_EQ(mota_dtype_size(MOTA_DTYPE_F16), 2u);
  EXPECT_EQ(mota_dtype_size(MOTA_DTYPE_I64), 8u);
  EXPECT_EQ(mota_dtype_size(MOTA_DTYPE_UNDEFINED), 0u);
  EXPECT_EQ(mota_dtype_size(static_cast<mota_dtype_t>(42)), 0u);
}

TEST(CApiTensor, create_gives_a_zeroed_aligned_tensor_with_its_shape) {
  const int64_t dims[] = {2, 3, 4};
  mota_tensor_t* t = nullptr;
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_I32, dims, 3, &t), MOTA_OK) << LastError();
  EXPECT_EQ(mota_tensor_dtype(t), MOTA_DTYPE_I32);
  EXPECT_EQ(mota_tensor_rank(t), 3u);
  EXPECT_EQ(mota_tensor_dim(t, 2), 4);
  EXPECT_EQ(mota_tensor_dim(t, 3), -1);
  EXPECT_NE(std::string(mota_last_error()).find("axis 3 is out of range for rank 3"),
            std::string::npos);
  EXPECT_EQ(std::memcmp(mota_tensor_dims(t), dims, sizeof(dims)), 0);
  EXPECT_EQ(mota_tensor_element_count(t), 24u);
  EXPECT_EQ(mota_tensor_byte_size(t), 96u);
  EXPECT_STREQ(mota_tensor_name(t), "");
  const auto* p = static_cast<const int32_t*>(mota_tensor_data(t));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(p[i], 0);
  EXPECT_EQ(mota_tensor_mutable_data(t), mota_tensor_data(t));
  mota_tensor_destroy(t);
}

TEST(CApiTensor, a_scalar_has_rank_zero_and_one_element) {
  mota_tensor_t* t = nullptr;
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_F32, nullptr, 0, &t), MOTA_OK) << LastError();
  EXPECT_EQ(mota_tensor_rank(t), 0u);
  EXPECT_EQ(mota_tensor_dims(t), nullptr);
  EXPECT_EQ(mota_tensor_element_count(t), 1u);
  EXPECT_EQ(mota_tensor_byte_size(t), 4u);
  mota_tensor_destroy(t);
}

TEST(CApiTensor, bad_create_arguments_are_refused_with_the_value) {
  mota_tensor_t* t = reinterpret_cast<mota_tensor_t*>(0x1);
  const int64_t dims[] = {2, -3};
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, dims, 2, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr) << "out_tensor is cleared on failure";
  EXPECT_NE(LastError().find("dims[1] is -3, expected >= 0"), std::string::npos) << LastError();
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_UNDEFINED, dims, 1, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("dtype is 0"), std::string::npos) << LastError();
  EXPECT_EQ(mota_tensor_create(static_cast<mota_dtype_t>(9), dims, 1, &t),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("dtype is 9"), std::string::npos) << LastError();
  const int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, nine, 9, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("rank is 9, expected at most 8"), std::string::npos) << LastError();
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, nullptr, 2, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("dims is NULL with rank 2"), std::string::npos) << LastError();
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, dims, 1, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("out_tensor is NULL"), std::string::npos) << LastError();
  const int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_EQ(mota_tensor_create(MOTA_DTYPE_F32, huge, 2, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("too many elements"), std::string::npos) << LastError();
}

TEST(CApiTensor, copies_need_the_exact_byte_size) {
  const int64_t dims[] = {3};
  mota_tensor_t* t = nullptr;
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_F32, dims, 1, &t), MOTA_OK);
  const float in[3] = {1.5f, -2.f, 3.25f};
  float out[3] = {};
  EXPECT_EQ(mota_tensor_copy_from_buffer(t, in, 8), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("size is 8 bytes, tensor (f32 [3]) holds 12"), std::string::npos)
      << LastError();
  EXPECT_EQ(mota_tensor_copy_from_buffer(t, nullptr, 12), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_tensor_copy_from_buffer(nullptr, in, 12), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("tensor is NULL"), std::string::npos) << LastError();
  ASSERT_EQ(mota_tensor_copy_from_buffer(t, in, sizeof(in)), MOTA_OK) << LastError();
  EXPECT_EQ(mota_tensor_copy_to_buffer(t, out, 16), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_tensor_copy_to_buffer(t, nullptr, 12), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_tensor_copy_to_buffer(nullptr, out, 12), MOTA_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(mota_tensor_copy_to_buffer(t, out, sizeof(out)), MOTA_OK) << LastError();
  EXPECT_EQ(std::memcmp(in, out, sizeof(in)), 0);
  mota_tensor_destroy(t);
}

TEST(CApiTensor, accessors_on_null_return_empty_values_and_say_so) {
  EXPECT_EQ(mota_tensor_dtype(nullptr), MOTA_DTYPE_UNDEFINED);
  EXPECT_NE(LastError().find("mota_tensor_dtype: tensor is NULL"), std::string::npos);
  EXPECT_EQ(mota_tensor_rank(nullptr), 0u);
  EXPECT_EQ(mota_tensor_dims(nullptr), nullptr);
  EXPECT_EQ(mota_tensor_dim(nullptr, 0), -1);
  EXPECT_EQ(mota_tensor_element_count(nullptr), 0u);
  EXPECT_EQ(mota_tensor_byte_size(nullptr), 0u);
  EXPECT_EQ(mota_tensor_data(nullptr), nullptr);
  EXPECT_EQ(mota_tensor_mutable_data(nullptr), nullptr);
  EXPECT_STREQ(mota_tensor_name(nullptr), "");
  EXPECT_NE(LastError().find("mota_tensor_name: tensor is NULL"), std::string::npos);
  mota_tensor_destroy(nullptr);
}

TEST(CApiTensor, npy_files_load_with_dtype_and_shape) {
  exec::HostTensor src = exec::HostTensor::Allocate(DType::kI64, {2, 2});
  for (int i = 0; i < 4; ++i) src.as<int64_t>()[i] = 10 * i - 7;
  const std::string path = TempDir("npy") + "/x.npy";
  ASSERT_TRUE(exec::WriteNpy(path, src.view()).ok());
  mota_tensor_t* t = nullptr;
  ASSERT_EQ(mota_tensor_create_from_npy(path.c_str(), &t), MOTA_OK) << LastError();
  EXPECT_EQ(mota_tensor_dtype(t), MOTA_DTYPE_I64);
  ASSERT_EQ(mota_tensor_rank(t), 2u);
  EXPECT_EQ(mota_tensor_dim(t, 0), 2);
  ASSERT_EQ(mota_tensor_byte_size(t), 32u);
  EXPECT_EQ(std::memcmp(mota_tensor_data(t), src.data(), 32), 0);
  mota_tensor_destroy(t);
}

TEST(CApiTensor, a_missing_or_damaged_npy_file_names_the_path) {
  mota_tensor_t* t = nullptr;
  const std::string dir = TempDir("npy_bad");
  const std::string missing = dir + "/missing.npy";
  EXPECT_NE(mota_tensor_create_from_npy(missing.c_str(), &t), MOTA_OK);
  EXPECT_EQ(t, nullptr);
  EXPECT_NE(LastError().find(missing), std::string::npos) << LastError();
  const std::string junk = dir + "/junk.npy";
  FILE* f = std::fopen(junk.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("\x93NUMPY junk", f);
  std::fclose(f);
  EXPECT_NE(mota_tensor_create_from_npy(junk.c_str(), &t), MOTA_OK);
  EXPECT_NE(LastError().find(junk), std::string::npos) << LastError();
  EXPECT_EQ(mota_tensor_create_from_npy(nullptr, &t), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_tensor_create_from_npy(junk.c_str(), nullptr), MOTA_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace mota::api::testing
