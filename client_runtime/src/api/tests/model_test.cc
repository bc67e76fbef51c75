// mota_model_*: open, inputs, run, outputs through the C ABI, checked against exec::Session on
// the same backend, and every bad argument's status and message.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "api/tests/api_test_util.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "model/loader.h"
#include "mota/mota.h"

namespace mota::api::testing {
namespace {

// Seeded values in [-1, 1): deterministic inputs.
std::vector<float> Pattern(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = static_cast<float>(seed >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

// The outputs exec::Session gives for `input` on `backend`: what the C API must reproduce.
std::vector<exec::HostTensor> SessionOutputs(const std::string& path, const std::string& backend,
                                             exec::HostTensor& input) {
  auto model = model::Model::Load(path);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto b = exec::CreateBackend(backend, {});
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  exec::Session session((*model)->graph(), std::move(b).value());
  const std::vector<exec::TensorView> views = {input.view()};
  auto out = session.Run(views);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(out).value() : std::vector<exec::HostTensor>{};
}

class CApiModel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = ConvertedModel("mlp_784_256_10");
    ASSERT_FALSE(path_.empty());
    ASSERT_EQ(mota_model_open_file(path_.c_str(), GetParam().c_str(), &model_), MOTA_OK)
        << LastError();
  }
  void TearDown() override { mota_model_close(model_); }

  std::string path_;
  mota_model_t* model_ = nullptr;
};

TEST_P(CApiModel, run_gives_the_sessions_outputs_bit_for_bit) {
  EXPECT_EQ(mota_model_input_count(model_), 1u);
  EXPECT_EQ(mota_model_output_count(model_), 1u);
  mota_tensor_t* x = nullptr;
  ASSERT_EQ(mota_model_input(model_, 0, &x), MOTA_OK) << mota_model_last_error(model_);
  EXPECT_STREQ(mota_tensor_name(x), "input");
  EXPECT_EQ(mota_tensor_dtype(x), MOTA_DTYPE_F32);
  ASSERT_EQ(mota_tensor_rank(x), 2u);
  EXPECT_EQ(mota_tensor_dim(x, 1), 784);
  const std::vector<float> values = Pattern(784, 11);
  ASSERT_EQ(mota_tensor_copy_from_buffer(x, values.data(), values.size() * 4), MOTA_OK)
      << LastError();
  ASSERT_EQ(mota_model_run(model_), MOTA_OK) << mota_model_last_error(model_);
  EXPECT_STREQ(mota_model_last_error(model_), "");

  exec::HostTensor input = exec::HostTensor::Allocate(DType::kF32, {1, 784});
  std::memcpy(input.data(), values.data(), values.size() * 4);
  const std::string backend = mota_model_backend(model_);
  std::vector<exec::HostTensor> want = SessionOutputs(path_, backend, input);
  ASSERT_EQ(want.size(), 1u);
  const mota_tensor_t* y = nullptr;
  ASSERT_EQ(mota_model_output(model_, 0, &y), MOTA_OK) << mota_model_last_error(model_);
  EXPECT_STREQ(mota_tensor_name(y), "output");
  ASSERT_EQ(mota_tensor_rank(y), 2u);
  EXPECT_EQ(mota_tensor_dim(y, 1), 10);
  ASSERT_EQ(mota_tensor_byte_size(y), want[0].nbytes());
  EXPECT_EQ(std::memcmp(mota_tensor_data(y), want[0].data(), want[0].nbytes()), 0);
  const mota_tensor_t* by_name = nullptr;
  ASSERT_EQ(mota_model_output_by_name(model_, "output", &by_name), MOTA_OK);
  EXPECT_EQ(by_name, y);
}

TEST_P(CApiModel, inputs_are_found_by_name_and_index) {
  mota_tensor_t* by_index = nullptr;
  mota_tensor_t* by_name = nullptr;
  size_t index = 99;
  ASSERT_EQ(mota_model_input(model_, 0, &by_index), MOTA_OK);
  ASSERT_EQ(mota_model_input_by_name(model_, "input", &by_name), MOTA_OK);
  ASSERT_EQ(mota_model_input_index(model_, "input", &index), MOTA_OK);
  EXPECT_EQ(by_index, by_name);
  EXPECT_EQ(index, 0u);
}

TEST_P(CApiModel, wrong_names_and_indices_say_what_exists) {
  mota_tensor_t* x = nullptr;
  const mota_tensor_t* y = nullptr;
  size_t index = 0;
  EXPECT_EQ(mota_model_input_by_name(model_, "pixels", &x), MOTA_ERR_NOT_FOUND);
  EXPECT_NE(std::string(mota_model_last_error(model_))
                .find("no input named 'pixels' (its inputs: 'input')"),
            std::string::npos)
      << mota_model_last_error(model_);
  EXPECT_STREQ(mota_last_error(), mota_model_last_error(model_));
  EXPECT_EQ(mota_model_input_index(model_, "pixels", &index), MOTA_ERR_NOT_FOUND);
  EXPECT_EQ(mota_model_input(model_, 1, &x), MOTA_ERR_OUT_OF_RANGE);
  EXPECT_NE(std::string(mota_model_last_error(model_))
                .find("input index 1 is out of range: the model has 1 input"),
            std::string::npos)
      << mota_model_last_error(model_);
  ASSERT_EQ(mota_model_run(model_), MOTA_OK);
  EXPECT_EQ(mota_model_output(model_, 3, &y), MOTA_ERR_OUT_OF_RANGE);
  EXPECT_EQ(mota_model_output_by_name(model_, "logits", &y), MOTA_ERR_NOT_FOUND);
  EXPECT_NE(std::string(mota_model_last_error(model_)).find("(its outputs: 'output')"),
            std::string::npos)
      << mota_model_last_error(model_);
  EXPECT_EQ(y, nullptr);
  ASSERT_EQ(mota_model_output(model_, 0, &y), MOTA_OK);
  EXPECT_STREQ(mota_model_last_error(model_), "") << "a successful call clears the message";
}

TEST_P(CApiModel, outputs_before_a_run_are_a_failed_precondition) {
  const mota_tensor_t* y = nullptr;
  EXPECT_EQ(mota_model_output(model_, 0, &y), MOTA_ERR_FAILED_PRECONDITION);
  EXPECT_NE(std::string(mota_model_last_error(model_)).find("call mota_model_run"),
            std::string::npos)
      << mota_model_last_error(model_);
  EXPECT_EQ(mota_model_output_by_name(model_, "output", &y), MOTA_ERR_FAILED_PRECONDITION);
}

TEST_P(CApiModel, outputs_are_read_only) {
  ASSERT_EQ(mota_model_run(model_), MOTA_OK);
  const mota_tensor_t* y = nullptr;
  ASSERT_EQ(mota_model_output(model_, 0, &y), MOTA_OK);
  auto* writable = const_cast<mota_tensor_t*>(y);
  EXPECT_EQ(mota_tensor_mutable_data(writable), nullptr);
  EXPECT_NE(LastError().find("is a model output, read-only"), std::string::npos) << LastError();
  float zeros[10] = {};
  EXPECT_EQ(mota_tensor_copy_from_buffer(writable, zeros, sizeof(zeros)),
            MOTA_ERR_FAILED_PRECONDITION);
  mota_tensor_destroy(writable);  // ignored: the model owns it
  EXPECT_EQ(mota_tensor_byte_size(y), 40u);
}

TEST_P(CApiModel, a_wrong_input_size_dtype_or_shape_is_refused) {
  mota_tensor_t* x = nullptr;
  ASSERT_EQ(mota_model_input(model_, 0, &x), MOTA_OK);
  std::vector<float> short_input(100);
  EXPECT_EQ(mota_tensor_copy_from_buffer(x, short_input.data(), 400), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("size is 400 bytes, tensor 'input' (f32 [1,784]) holds 3136"),
            std::string::npos)
      << LastError();

  mota_tensor_t* wrong_dtype = nullptr;
  const int64_t dims[] = {1, 784};
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_I32, dims, 2, &wrong_dtype), MOTA_OK);
  EXPECT_EQ(mota_model_set_input(model_, 0, wrong_dtype), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(model_))
                .find("input 'input' has dtype f32, the value is i32"),
            std::string::npos)
      << mota_model_last_error(model_);
  mota_tensor_destroy(wrong_dtype);

  mota_tensor_t* wrong_shape = nullptr;
  const int64_t other[] = {1, 783};
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_F32, other, 2, &wrong_shape), MOTA_OK);
  EXPECT_EQ(mota_model_set_input(model_, 0, wrong_shape), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(model_))
                .find("input 'input' dim 1 is fixed at 784, got 783"),
            std::string::npos)
      << mota_model_last_error(model_);
  EXPECT_EQ(mota_model_resize_input(model_, 0, other, 2), MOTA_ERR_INVALID_ARGUMENT);
  const int64_t rank3[] = {1, 784, 1};
  EXPECT_EQ(mota_model_resize_input(model_, 0, rank3, 3), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(model_)).find("has rank 2, got shape [1,784,1]"),
            std::string::npos)
      << mota_model_last_error(model_);
  mota_tensor_destroy(wrong_shape);
  EXPECT_EQ(mota_tensor_byte_size(x), 3136u) << "a refused input leaves the tensor as it was";
}

TEST_P(CApiModel, set_input_copies_the_value) {
  mota_tensor_t* value = nullptr;
  const int64_t dims[] = {1, 784};
  ASSERT_EQ(mota_tensor_create(MOTA_DTYPE_F32, dims, 2, &value), MOTA_OK);
  const std::vector<float> v = Pattern(784, 5);
  ASSERT_EQ(mota_tensor_copy_from_buffer(value, v.data(), v.size() * 4), MOTA_OK);
  ASSERT_EQ(mota_model_set_input(model_, 0, value), MOTA_OK) << mota_model_last_error(model_);
  mota_tensor_destroy(value);  // the model keeps its own copy
  mota_tensor_t* x = nullptr;
  ASSERT_EQ(mota_model_input(model_, 0, &x), MOTA_OK);
  EXPECT_EQ(std::memcmp(mota_tensor_data(x), v.data(), v.size() * 4), 0);
}

TEST_P(CApiModel, every_model_function_refuses_null) {
  mota_tensor_t* x = nullptr;
  const mota_tensor_t* y = nullptr;
  size_t index = 0;
  const int64_t dims[] = {1, 784};
  EXPECT_EQ(mota_model_input(nullptr, 0, &x), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("mota_model_input: model is NULL"), std::string::npos);
  EXPECT_EQ(mota_model_input(model_, 0, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(model_)).find("out_tensor is NULL"),
            std::string::npos);
  EXPECT_EQ(mota_model_input_by_name(nullptr, "input", &x), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_input_by_name(model_, nullptr, &x), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(model_)).find("name is NULL"), std::string::npos);
  EXPECT_EQ(mota_model_input_by_name(model_, "input", nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_input_index(nullptr, "input", &index), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_input_index(model_, nullptr, &index), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_input_index(model_, "input", nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_resize_input(nullptr, 0, dims, 2), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_resize_input(model_, 0, nullptr, 2), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_resize_input(model_, 0, dims, 9), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_resize_input(model_, 4, dims, 2), MOTA_ERR_OUT_OF_RANGE);
  EXPECT_EQ(mota_model_set_input(nullptr, 0, x), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_set_input(model_, 0, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_run(nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("mota_model_run: model is NULL"), std::string::npos);
  EXPECT_EQ(mota_model_output(nullptr, 0, &y), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_output(model_, 0, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_output_by_name(nullptr, "output", &y), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_output_by_name(model_, nullptr, &y), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_output_by_name(model_, "output", nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_input_count(nullptr), 0u);
  EXPECT_EQ(mota_model_output_count(nullptr), 0u);
  EXPECT_STREQ(mota_model_backend(nullptr), "");
  EXPECT_STREQ(mota_model_last_error(nullptr), "");
  mota_model_close(nullptr);
}

INSTANTIATE_TEST_SUITE_P(Backends, CApiModel, ::testing::Values("reference", "auto"));

// mota.h "Threads": different handles may be used from different threads at once.
TEST(CApiModelThreads, models_on_different_threads_run_at_once_with_the_same_results) {
  const std::string path = ConvertedModel("mlp_784_256_10");
  const std::vector<float> x = Pattern(784, 3);
  auto run_many = [&](std::vector<float>* out, int* failures) {
    mota_model_t* m = nullptr;
    if (mota_model_open_file(path.c_str(), "auto", &m) != MOTA_OK) {
      ++*failures;
      return;
    }
    mota_tensor_t* in = nullptr;
    const mota_tensor_t* y = nullptr;
    for (int i = 0; i < 200; ++i) {
      if (mota_model_input(m, 0, &in) != MOTA_OK ||
          mota_tensor_copy_from_buffer(in, x.data(), x.size() * 4) != MOTA_OK ||
          mota_model_run(m) != MOTA_OK || mota_model_output(m, 0, &y) != MOTA_OK) {
        ++*failures;
        break;
      }
    }
    const auto* p = static_cast<const float*>(mota_tensor_data(y));
    if (p != nullptr) out->assign(p, p + 10);
    mota_model_close(m);
  };
  std::vector<float> a, b;
  int fa = 0, fb = 0;
  std::thread ta(run_many, &a, &fa), tb(run_many, &b, &fb);
  ta.join();
  tb.join();
  EXPECT_EQ(fa + fb, 0);
  ASSERT_EQ(a.size(), 10u);
  EXPECT_EQ(a, b);
}

TEST(CApiModelOpen, a_missing_file_names_the_path) {
  const std::string path = TempDir("open") + "/absent.mota";
  mota_model_t* m = reinterpret_cast<mota_model_t*>(0x1);
  EXPECT_NE(mota_model_open_file(path.c_str(), "auto", &m), MOTA_OK);
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(LastError().find(path), std::string::npos) << LastError();
  EXPECT_EQ(mota_model_open_file(nullptr, "auto", &m), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open_file(path.c_str(), "auto", nullptr), MOTA_ERR_INVALID_ARGUMENT);
}

TEST(CApiModelOpen, a_truncated_file_is_refused_not_crashed_on) {
  const std::string good = ConvertedModel("mlp_784_256_10");
  ASSERT_FALSE(good.empty());
  const std::string path = TempDir("open") + "/truncated.mota";
  std::filesystem::copy_file(good, path);
  std::filesystem::resize_file(path, 5000);
  mota_model_t* m = nullptr;
  const mota_status_t st = mota_model_open_file(path.c_str(), "reference", &m);
  EXPECT_TRUE(st == MOTA_ERR_DATA_LOSS || st == MOTA_ERR_INVALID_ARGUMENT)
      << mota_status_string(st) << ": " << LastError();
  EXPECT_EQ(m, nullptr);
  EXPECT_NE(LastError().find(path), std::string::npos) << LastError();
}

TEST(CApiModelOpen, an_unknown_backend_lists_the_builds_backends) {
  const std::string path = ConvertedModel("mlp_784_256_10");
  mota_model_t* m = nullptr;
  EXPECT_EQ(mota_model_open_file(path.c_str(), "tpu", &m), MOTA_ERR_NOT_FOUND);
  EXPECT_NE(LastError().find("unknown backend 'tpu': this build has auto, "), std::string::npos)
      << LastError();
  ASSERT_EQ(mota_model_open_file(path.c_str(), nullptr, &m), MOTA_OK) << "NULL means auto";
  mota_model_close(m);
}

// The real PaddleOCR classifier has symbolic N, H and W: its input needs a shape before a run.
TEST(CApiModelOpen, symbolic_input_dims_need_a_shape_before_running) {
  const std::string path = ConvertedModel("ch_ppocr_mobile_v2.0_cls_infer");
  ASSERT_FALSE(path.empty());
  mota_model_t* m = nullptr;
  ASSERT_EQ(mota_model_open_file(path.c_str(), "auto", &m), MOTA_OK) << LastError();
  mota_tensor_t* x = nullptr;
  ASSERT_EQ(mota_model_input(m, 0, &x), MOTA_OK);
  ASSERT_EQ(mota_tensor_rank(x), 4u);
  EXPECT_EQ(mota_tensor_dim(x, 0), -1);
  EXPECT_EQ(mota_tensor_dim(x, 1), 3);
  EXPECT_EQ(mota_tensor_byte_size(x), 0u);
  EXPECT_EQ(mota_tensor_data(x), nullptr);
  EXPECT_EQ(mota_tensor_element_count(x), 0u);
  EXPECT_EQ(mota_model_run(m), MOTA_ERR_FAILED_PRECONDITION);
  EXPECT_NE(std::string(mota_model_last_error(m)).find("call mota_model_resize_input"),
            std::string::npos)
      << mota_model_last_error(m);
  const int64_t bad[] = {1, 4, 48, 192};
  EXPECT_EQ(mota_model_resize_input(m, 0, bad, 4), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(mota_model_last_error(m)).find("dim 1 is fixed at 3, got 4"),
            std::string::npos)
      << mota_model_last_error(m);
  const int64_t dims[] = {1, 3, 48, 192};
  ASSERT_EQ(mota_model_resize_input(m, 0, dims, 4), MOTA_OK) << mota_model_last_error(m);
  EXPECT_EQ(mota_tensor_byte_size(x), size_t{3 * 48 * 192 * 4});
  ASSERT_EQ(mota_model_run(m), MOTA_OK) << mota_model_last_error(m);
  const mota_tensor_t* y = nullptr;
  ASSERT_EQ(mota_model_output(m, 0, &y), MOTA_OK);
  ASSERT_EQ(mota_tensor_rank(y), 2u);
  EXPECT_EQ(mota_tensor_dim(y, 0), 1);
  EXPECT_EQ(mota_tensor_dim(y, 1), 2);
  mota_model_close(m);
}

}  // namespace
}  // namespace mota::api::testing
