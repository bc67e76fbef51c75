/* mota.h as an app written in C99 sees it: built with -std=c99 -Wall -Wextra -Werror -pedantic,
 * so any C++-ism or extension in the header breaks the build. At run time it checks the fixed
 * status numbers and that every function refuses NULL with a status and a message. */
#include <stdio.h>
#include <string.h>

#include "mota/mota.h"

static int failures = 0;

static void expect(int ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

static void status_numbers_are_fixed(void) {
  expect(MOTA_OK == 0 && MOTA_ERR_INVALID_ARGUMENT == 1 && MOTA_ERR_NOT_FOUND == 2 &&
             MOTA_ERR_UNIMPLEMENTED == 3 && MOTA_ERR_OUT_OF_RANGE == 4 &&
             MOTA_ERR_DATA_LOSS == 5 && MOTA_ERR_INTERNAL == 6 && MOTA_ERR_UNAVAILABLE == 7 &&
             MOTA_ERR_VERIFICATION_FAILED == 8 && MOTA_ERR_INCOMPATIBLE == 9 &&
             MOTA_ERR_OUT_OF_MEMORY == 10 && MOTA_ERR_FAILED_PRECONDITION == 11 &&
             MOTA_ERR_IO == 12 && MOTA_ERR_CANCELLED == 13 && MOTA_ERR_RESOURCE_EXHAUSTED == 14,
         "status numbers are the documented ones");
  expect(strcmp(mota_status_string(MOTA_OK), "OK") == 0, "mota_status_string(MOTA_OK)");
  expect(strcmp(mota_status_string(MOTA_ERR_CANCELLED), "CANCELLED") == 0,
         "mota_status_string(MOTA_ERR_CANCELLED)");
  expect(strcmp(mota_status_string((mota_status_t)999), "UNKNOWN_STATUS") == 0,
         "mota_status_string(999)");
}

static void null_arguments_are_refused(void) {
  mota_model_t* model = NULL;
  mota_tensor_t* tensor = NULL;
  int64_t dims[2] = {2, 3};
  expect(mota_model_open_file(NULL, "auto", &model) == MOTA_ERR_INVALID_ARGUMENT,
         "mota_model_open_file(NULL path)");
  expect(strstr(mota_last_error(), "path is NULL") != NULL, "message names the NULL path");
  expect(model == NULL, "out_model is NULL after a failure");
  expect(mota_model_run(NULL) == MOTA_ERR_INVALID_ARGUMENT, "mota_model_run(NULL)");
  expect(mota_tensor_create(MOTA_DTYPE_F32, dims, 2, &tensor) == MOTA_OK, "mota_tensor_create");
  expect(mota_tensor_byte_size(tensor) == 24, "2x3 f32 is 24 bytes");
  expect(strcmp(mota_last_error(), "") == 0, "a successful call clears the message");
  mota_tensor_destroy(tensor);
  mota_tensor_destroy(NULL);
  mota_model_close(NULL);
}

int main(void) {
  status_numbers_are_fixed();
  null_arguments_are_refused();
  printf("mota %s C header test: %d failure(s)\n", mota_version(), failures);
  return failures == 0 ? 0 : 1;
}
