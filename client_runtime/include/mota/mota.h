/*
 * mota.h: libmota's C API, the only header an app includes.
 *
 * libmota keeps an app's on-device models up to date (a signed, verified, self-tested update from
 * a mota repository) and runs them. This header is plain C99 and safe to include from C++; no C++
 * type or exception ever crosses it.
 *
 * Overview
 *   mota_model_t    a loaded model bound to a backend: inputs, outputs, run.
 *   mota_tensor_t   a dense tensor: dtype, dims, bytes (row-major, 64-byte aligned).
 *   mota_client_t   the update client: check for, download, verify, self-test and activate the
 *                   newest release of each model (see "Updating" below).
 *   mota_status_t   what every fallible function returns: MOTA_OK (0) or an error code whose
 *                   comment says what the caller should do.
 *
 * Usage (error handling shortened):
 *
 *   mota_model_t* model = NULL;
 *   if (mota_model_open_file("mlp.mota", "auto", &model) != MOTA_OK) {
 *     fprintf(stderr, "%s\n", mota_last_error());
 *     return 1;
 *   }
 *   mota_tensor_t* x = NULL;
 *   mota_model_input(model, 0, &x);                  // owned by the model
 *   mota_tensor_copy_from_buffer(x, pixels, sizeof(pixels));
 *   if (mota_model_run(model) != MOTA_OK) fprintf(stderr, "%s\n", mota_model_last_error(model));
 *   const mota_tensor_t* y = NULL;
 *   mota_model_output(model, 0, &y);                 // valid until the next run or close
 *   const float* scores = (const float*)mota_tensor_data(y);
 *   mota_model_close(model);
 *
 * Ownership and lifetimes (the rules for every function below)
 *   - Whatever a `_create` or `_open` function returns through `out_*`, the caller owns and
 *     releases with the matching `_destroy` or `_close`. Those accept NULL and do nothing.
 *   - Pointers a function returns directly or through an `out_*` parameter without such a pair
 *     (names, dims, data, a model's input and output tensors, error messages) are borrowed: they
 *     belong to the handle they came from and stay valid as long as the function's comment says,
 *     at most until that handle is destroyed. Never free them.
 *   - Strings and buffers the caller passes in are copied or only read during the call; the
 *     caller may free them as soon as the function returns.
 *   - On error, `out_*` parameters are set to NULL / 0 when the pointer itself is not NULL.
 *
 * Errors
 *   Every fallible function checks each of its pointers and arguments and returns a status.
 *   The message of a failed call (what was wrong, with which value, what was expected) is kept:
 *     - on the handle the call was made on: mota_model_last_error(model),
 *       mota_client_last_error(client); valid until the next call on that handle;
 *     - and, for every call including those without a handle (open, create, tensor functions),
 *       per thread: mota_last_error(); valid until the next mota call on the same thread.
 *   A successful call clears both ("" afterwards).
 *
 * Threads
 *   Handles are not thread-safe: use one handle from one thread at a time. Different handles may
 *   be used from different threads at once. The exceptions are named: mota_client_cancel may be
 *   called from any thread while another thread is inside mota_client_update. libmota never
 *   starts threads of its own that outlive a call; the app owns its threads.
 *
 * ABI
 *   Status numbers never change and are never reused. Settings are set through functions, never
 *   through public structs. A changed signature gets a new name (`_v2`) and the old one stays.
 *   The exported names are listed in client_runtime/include/mota/SYMBOLS.
 */
#ifndef MOTA_MOTA_H_
#define MOTA_MOTA_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && defined(MOTA_BUILDING_SHARED)
#define MOTA_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define MOTA_API __attribute__((visibility("default")))
#else
#define MOTA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes. Fixed numbers (the same as mota::StatusCode inside libmota); never renumbered or
 * reused. Each comment says what the caller should do.
 */
typedef enum mota_status_t {
  MOTA_OK = 0,
  /* The caller passed something wrong (NULL handle, bad name, wrong size or dtype): fix the
   * call; retrying the same call fails the same way. */
  MOTA_ERR_INVALID_ARGUMENT = 1,
  /* A named thing does not exist (file, model, input, output): fix the name or install it. */
  MOTA_ERR_NOT_FOUND = 2,
  /* Valid, but this build does not support it (e.g. a backend not compiled in). */
  MOTA_ERR_UNIMPLEMENTED = 3,
  /* An index or size outside the allowed range: fix the index. */
  MOTA_ERR_OUT_OF_RANGE = 4,
  /* A file or buffer is corrupt or truncated: reinstall it (an update repairs it). */
  MOTA_ERR_DATA_LOSS = 5,
  /* A bug in libmota: report it with the message. */
  MOTA_ERR_INTERNAL = 6,
  /* Transient (network down, server busy): retry later, with backoff. */
  MOTA_ERR_UNAVAILABLE = 7,
  /* A signature, hash or self-test check failed: the data was rejected and is not used. The
   * active model is unchanged; retrying fetches the same bad data until the server is fixed. */
  MOTA_ERR_VERIFICATION_FAILED = 8,
  /* Nothing fits this device or this runtime version: keep the active model. */
  MOTA_ERR_INCOMPATIBLE = 9,
  /* An allocation failed: free memory and retry. */
  MOTA_ERR_OUT_OF_MEMORY = 10,
  /* The call is valid but not in this state (e.g. an output read before the first run, or no
   * version of the model installed yet): make the missing step first. */
  MOTA_ERR_FAILED_PRECONDITION = 11,
  /* The operating system refused a file operation (permissions, disk full): fix the storage. */
  MOTA_ERR_IO = 12,
  /* The call was cancelled (mota_client_cancel); nothing was activated. Call again to resume:
   * downloaded chunks are kept. */
  MOTA_ERR_CANCELLED = 13
} mota_status_t;

/* "OK", "INVALID_ARGUMENT", ... for every code; "UNKNOWN_STATUS" for a number not listed above.
 * A static string: never freed. */
MOTA_API const char* mota_status_string(mota_status_t status);

/* The message of the last failed mota call on this thread ("" after a successful call). Valid
 * until the next mota call on the same thread. Never NULL. */
MOTA_API const char* mota_last_error(void);

/* libmota's version, "MAJOR.MINOR.PATCH". A static string. */
MOTA_API const char* mota_version(void);

/* ---------------------------------------------------------------------------------------------
 * Tensors. Dense, row-major, 64-byte aligned data. The numbers of mota_dtype_t are those of the
 * .mota format and never change.
 */
typedef enum mota_dtype_t {
  MOTA_DTYPE_UNDEFINED = 0,
  MOTA_DTYPE_F32 = 1,
  MOTA_DTYPE_F16 = 2, /* IEEE half, stored as uint16_t */
  MOTA_DTYPE_I8 = 3,
  MOTA_DTYPE_U8 = 4,
  MOTA_DTYPE_I32 = 5,
  MOTA_DTYPE_I64 = 6,
  MOTA_DTYPE_BOOL = 7 /* one byte per element, 0 or 1 */
} mota_dtype_t;

/* The most dims a tensor may have. */
#define MOTA_MAX_RANK 8

typedef struct mota_tensor_t mota_tensor_t;

/* "f32", "f16", "i8", "u8", "i32", "i64", "bool"; "undefined" for anything else. Static. */
MOTA_API const char* mota_dtype_name(mota_dtype_t dtype);
/* Bytes per element; 0 for MOTA_DTYPE_UNDEFINED or an unknown number. */
MOTA_API size_t mota_dtype_size(mota_dtype_t dtype);

/* Creates a zero-filled tensor. `dims` holds `rank` sizes (each >= 0; may be NULL when rank is
 * 0, a scalar). The caller owns *out_tensor: mota_tensor_destroy. */
MOTA_API mota_status_t mota_tensor_create(mota_dtype_t dtype, const int64_t* dims, size_t rank,
                                          mota_tensor_t** out_tensor);
/* Reads a numpy .npy file (versions 1-3, C order, little-endian f4 f2 i1 u1 i4 i8 b1) into a new
 * tensor the caller owns. Errors name the path and say what the file holds. */
MOTA_API mota_status_t mota_tensor_create_from_npy(const char* path, mota_tensor_t** out_tensor);
/* Frees a tensor from mota_tensor_create*. NULL is a no-op. Never pass a model's tensor. */
MOTA_API void mota_tensor_destroy(mota_tensor_t* tensor);

/* Accessors. On a NULL tensor they return 0 / NULL / MOTA_DTYPE_UNDEFINED (and set
 * mota_last_error). A model's input whose dims are not known yet reports -1 for those dims, a
 * byte size of 0 and NULL data (see mota_model_resize_input). */
MOTA_API mota_dtype_t mota_tensor_dtype(const mota_tensor_t* tensor);
MOTA_API size_t mota_tensor_rank(const mota_tensor_t* tensor);
/* The `rank` dims; valid while the tensor's shape is unchanged. NULL for a scalar or NULL. */
MOTA_API const int64_t* mota_tensor_dims(const mota_tensor_t* tensor);
/* Dim `axis`; -1 when the axis is out of range or the dim is not known yet. */
MOTA_API int64_t mota_tensor_dim(const mota_tensor_t* tensor, size_t axis);
/* Product of the dims (1 for a scalar); 0 when a dim is not known yet. */
MOTA_API size_t mota_tensor_element_count(const mota_tensor_t* tensor);
/* element_count * dtype size. */
MOTA_API size_t mota_tensor_byte_size(const mota_tensor_t* tensor);
/* The bytes, read-only. Valid until the tensor's shape changes, the owning model runs again
 * (outputs) or the tensor or its model is destroyed. NULL when byte_size is 0. */
MOTA_API const void* mota_tensor_data(const mota_tensor_t* tensor);
/* The bytes, writable: caller-created tensors and a model's inputs. NULL (INVALID_ARGUMENT in
 * mota_last_error) for a model's outputs. */
MOTA_API void* mota_tensor_mutable_data(mota_tensor_t* tensor);
/* The model's tensor name for a model's input or output; "" for a caller-created tensor. */
MOTA_API const char* mota_tensor_name(const mota_tensor_t* tensor);

/* Copies `size` bytes into the tensor. INVALID_ARGUMENT unless size == byte_size (the message
 * gives both and the tensor's dtype and dims); FAILED_PRECONDITION on a model's output. */
MOTA_API mota_status_t mota_tensor_copy_from_buffer(mota_tensor_t* tensor, const void* data,
                                                    size_t size);
/* Copies the tensor's bytes out. INVALID_ARGUMENT unless size == byte_size. */
MOTA_API mota_status_t mota_tensor_copy_to_buffer(const mota_tensor_t* tensor, void* data,
                                                  size_t size);

/* ---------------------------------------------------------------------------------------------
 * Models. A model is a .mota file loaded (mapped and verified before any byte is used: a damaged
 * or hostile file gives MOTA_ERR_DATA_LOSS or MOTA_ERR_INVALID_ARGUMENT, never a crash) and
 * bound to a backend, with one input tensor per model input that the app fills, and the outputs
 * of the last run.
 */
typedef struct mota_model_t mota_model_t;

/* Opens a .mota file on a backend: "auto" (or NULL: the fastest CPU backend of this build),
 * "reference", "xnnpack" or "vulkan". An unknown or unbuilt backend is MOTA_ERR_NOT_FOUND naming
 * the backends this build has. Backend faults found only when running (e.g. no Vulkan device)
 * surface at the first mota_model_run. `path` may be freed after the call; the file is mapped and
 * must stay unchanged until mota_model_close. The caller owns *out_model: mota_model_close. */
MOTA_API mota_status_t mota_model_open_file(const char* path, const char* backend,
                                            mota_model_t** out_model);
/* Closes a model and frees its tensors. NULL is a no-op. */
MOTA_API void mota_model_close(mota_model_t* model);

/* The backend the model runs on ("reference", "xnnpack", "vulkan"); "" for NULL. Valid until
 * close. */
MOTA_API const char* mota_model_backend(const mota_model_t* model);
/* Message of the last failed call on this model; "" after a success or for NULL. Valid until the
 * next call on the model. */
MOTA_API const char* mota_model_last_error(const mota_model_t* model);

/* Number of inputs / outputs; 0 for NULL. */
MOTA_API size_t mota_model_input_count(const mota_model_t* model);
MOTA_API size_t mota_model_output_count(const mota_model_t* model);

/* The model's input tensor `index` (OUT_OF_RANGE past the count) or the one named `name`
 * (NOT_FOUND listing the input names). Owned by the model, valid until close; its data stays
 * where it is until mota_model_resize_input or mota_model_set_input changes the shape. Inputs
 * start zero-filled. Fill them with mota_tensor_copy_from_buffer or mota_tensor_mutable_data. */
MOTA_API mota_status_t mota_model_input(mota_model_t* model, size_t index,
                                        mota_tensor_t** out_tensor);
MOTA_API mota_status_t mota_model_input_by_name(mota_model_t* model, const char* name,
                                                mota_tensor_t** out_tensor);
/* The index of the input named `name`; NOT_FOUND listing the input names. */
MOTA_API mota_status_t mota_model_input_index(const mota_model_t* model, const char* name,
                                              size_t* out_index);

/* Gives input `index` the shape `dims` (rank sizes) and zero-fills it. Needed for inputs with
 * symbolic dims ("batch"); dims the model fixes must keep their value (INVALID_ARGUMENT naming
 * the axis otherwise). Previously returned data pointers of this input become invalid. */
MOTA_API mota_status_t mota_model_resize_input(mota_model_t* model, size_t index,
                                               const int64_t* dims, size_t rank);
/* Copies `value` into input `index`: its dtype must be the input's (INVALID_ARGUMENT naming both)
 * and its dims must fit the model's (symbolic dims take the value's size). `value` is only read. */
MOTA_API mota_status_t mota_model_set_input(mota_model_t* model, size_t index,
                                            const mota_tensor_t* value);

/* Runs the model on its input tensors. Blocking, on the calling thread (and the backend's own
 * worker threads, which finish before it returns). Replaces the outputs of the previous run. On
 * failure the previous outputs are gone too (mota_model_output is FAILED_PRECONDITION). */
MOTA_API mota_status_t mota_model_run(mota_model_t* model);

/* Output `index` (OUT_OF_RANGE past the count) or the one named `name` (NOT_FOUND listing the
 * output names) of the last successful run; FAILED_PRECONDITION before it. Owned by the model,
 * read-only, valid until the next mota_model_run or close. */
MOTA_API mota_status_t mota_model_output(const mota_model_t* model, size_t index,
                                         const mota_tensor_t** out_tensor);
MOTA_API mota_status_t mota_model_output_by_name(const mota_model_t* model, const char* name,
                                                 const mota_tensor_t** out_tensor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOTA_MOTA_H_ */
