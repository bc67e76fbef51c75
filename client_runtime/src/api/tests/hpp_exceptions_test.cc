// mota.hpp with MOTA_HPP_EXCEPTIONS: value() of an error throws mota::cxx::Exception carrying the
// status and message (linked into the same binary as hpp_test.cc's aborting mode).
#define MOTA_HPP_EXCEPTIONS 1
#include <gtest/gtest.h>

#include <string>

#include "api/tests/api_test_util.h"
#include "mota/mota.hpp"

namespace mota::api::testing {
namespace {

TEST(CApiHppExceptions, value_of_an_error_throws_the_status_and_message) {
  auto t = cxx::Tensor::Create(MOTA_DTYPE_F32, {-5});
  try {
    (void)t.value();
    FAIL() << "value() of an error returned";
  } catch (const cxx::Exception& e) {
    EXPECT_EQ(e.error().status, MOTA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("INVALID_ARGUMENT: mota_tensor_create: dims[0] is -5"),
              std::string::npos)
        << e.what();
  }
  auto model = cxx::Model::OpenFile(ConvertedModel("mlp_784_256_10"));
  EXPECT_NO_THROW(model.value());
  EXPECT_THROW(model->Output(0).value(), cxx::Exception) << "no run yet";
}

}  // namespace
}  // namespace mota::api::testing
