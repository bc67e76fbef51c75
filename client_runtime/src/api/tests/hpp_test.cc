// mota.hpp: the RAII handles and Expected<T> give the C API's results and errors.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>

#include "api/tests/api_test_util.h"
#include "mota/mota.hpp"

namespace mota::api::testing {
namespace {

static_assert(!std::is_copy_constructible_v<cxx::Model>, "handles are move-only");
static_assert(std::is_move_constructible_v<cxx::Model>);

TEST(CApiHpp, a_model_runs_and_gives_the_c_apis_outputs) {
  const std::string path = ConvertedModel("mlp_784_256_10");
  auto model = cxx::Model::OpenFile(path, "reference");
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  EXPECT_EQ(model->backend(), "reference");
  EXPECT_EQ(model->input_count(), 1u);
  auto x = model->Input("input");
  ASSERT_TRUE(x.ok()) << x.error().ToString();
  std::vector<float> v(784);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
  ASSERT_EQ(mota_tensor_copy_from_buffer(*x, v.data(), v.size() * 4), MOTA_OK);
  ASSERT_TRUE(model->Run().ok());
  auto y = model->Output("output");
  ASSERT_TRUE(y.ok()) << y.error().ToString();
  EXPECT_EQ(cxx::Dims(*y), (std::vector<int64_t>{1, 10}));

  // The same through the plain C calls.
  mota_model_t* c = nullptr;
  ASSERT_EQ(mota_model_open_file(path.c_str(), "reference", &c), MOTA_OK);
  mota_tensor_t* cx = nullptr;
  ASSERT_EQ(mota_model_input(c, 0, &cx), MOTA_OK);
  ASSERT_EQ(mota_tensor_copy_from_buffer(cx, v.data(), v.size() * 4), MOTA_OK);
  ASSERT_EQ(mota_model_run(c), MOTA_OK);
  const mota_tensor_t* cy = nullptr;
  ASSERT_EQ(mota_model_output(c, 0, &cy), MOTA_OK);
  EXPECT_EQ(std::memcmp(mota_tensor_data(cy), mota_tensor_data(*y), 40), 0);
  mota_model_close(c);
}

TEST(CApiHpp, errors_carry_the_status_and_the_handles_message) {
  auto missing = cxx::Model::OpenFile(TempDir("hpp") + "/none.mota");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("none.mota"), std::string::npos);
  auto model = cxx::Model::OpenFile(ConvertedModel("mlp_784_256_10"));
  ASSERT_TRUE(model.ok());
  auto bad = model->Input("pixels");
  EXPECT_EQ(bad.status(), MOTA_ERR_NOT_FOUND);
  EXPECT_NE(bad.error().ToString().find("NOT_FOUND: mota_model_input_by_name: the model has no "
                                        "input named 'pixels'"),
            std::string::npos)
      << bad.error().ToString();
  auto early = model->Output(0);
  EXPECT_EQ(early.status(), MOTA_ERR_FAILED_PRECONDITION);
  auto t = cxx::Tensor::Create(MOTA_DTYPE_F32, {2, -1});
  EXPECT_EQ(t.status(), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(t.error().message.find("dims[1] is -1"), std::string::npos);
  auto wrong = cxx::Tensor::Create(MOTA_DTYPE_U8, {1, 784});
  ASSERT_TRUE(wrong.ok());
  auto set = model->SetInput(0, *wrong);
  EXPECT_EQ(set.status(), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(set.error().message.find("has dtype f32, the value is u8"), std::string::npos);
}

TEST(CApiHppDeathTest, value_of_an_error_aborts_without_exceptions) {
  EXPECT_DEATH(
      {
        auto t = cxx::Tensor::Create(MOTA_DTYPE_F32, {-5});
        (void)t.value();
      },
      "");
}

}  // namespace
}  // namespace mota::api::testing
