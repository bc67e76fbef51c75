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
 *     - on the model or client the call was made on: mota_model_last_error(model),
 *       mota_client_last_error(client); valid until the next call on that handle;
 *     - and, for every call, including those without such a handle (open, create, config and
 *       tensor functions), per thread: mota_last_error(); valid until the next call on the same
 *       thread of a mota function that returns mota_status_t or sets a message.
 *   A successful call of a function returning mota_status_t clears both (""). Accessors that
 *   cannot return a status (mota_tensor_dim, ...) set mota_last_error when they fail.
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
  /* The call is valid but not in this state (e.g. an output read before the first run, a
   * rollback with no previous version, a download the app's network policy refused): make the
   * missing step first. */
  MOTA_ERR_FAILED_PRECONDITION = 11,
  /* The operating system refused a file operation (permissions, disk full): fix the storage. */
  MOTA_ERR_IO = 12,
  /* The call was cancelled (mota_client_cancel); nothing was activated. Call again to resume:
   * downloaded chunks are kept. */
  MOTA_ERR_CANCELLED = 13,
  /* Storage ran out (disk full, quota, file size limit) while writing what the message names:
   * free space or lower the chunk store's disk budget, then retry; the active model is
   * unchanged and downloaded chunks are kept. */
  MOTA_ERR_RESOURCE_EXHAUSTED = 14
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
/* Frees a tensor from mota_tensor_create*. NULL and a model's own tensors are ignored. */
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
/* Opens the active version of `model_name` installed in `data_dir` by a client (see
 * "Updating" below), without a client, network or device detection: what an app does at start-up
 * before (or instead of) checking for updates. `backend` NULL means the backend the version passed
 * its self-test on. NOT_FOUND when no version is installed there (run mota_client_update first);
 * DATA_LOSS when the install record is damaged. The caller owns *out_model: mota_model_close. */
MOTA_API mota_status_t mota_model_open_installed(const char* data_dir, const char* model_name,
                                                 const char* backend, mota_model_t** out_model);
/* Closes a model and frees its tensors. NULL is a no-op. */
MOTA_API void mota_model_close(mota_model_t* model);

/* The backend the model runs on ("reference", "xnnpack", "vulkan"); "" for NULL. Valid until
 * the next run or close: a model opened through a client (mota_model_open,
 * mota_model_open_installed without a backend) moves to the best CPU backend when its GPU
 * backend faults (no device, device lost, out of memory), and runs on there. */
MOTA_API const char* mota_model_backend(const mota_model_t* model);
/* The .mota file the model was opened from; "" for NULL. Valid until close. */
MOTA_API const char* mota_model_file(const mota_model_t* model);
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

/* ---------------------------------------------------------------------------------------------
 * Updating. A client keeps the models of one data directory up to date from one repository:
 * TUF-verified metadata, the variant that fits this device, only the chunks not already stored,
 * each chunk's hash checked, a self-test on this device before the new version becomes active
 * (atomically; the previous one stays for rollback). A failed update never touches the active
 * version.
 *
 *   mota_client_config_t* config = NULL;
 *   mota_client_config_create(&config);
 *   mota_client_config_set_data_dir(config, "/data/app/mota");
 *   mota_client_config_set_server_url(config, "https://updates.example");
 *   mota_client_config_set_trusted_root(config, "/app/assets/root.json");
 *   mota_client_config_set_install_id(config, install_id);
 *   mota_client_t* client = NULL;
 *   mota_status_t st = mota_client_create(config, &client);
 *   mota_client_config_destroy(config);             // the client keeps a copy
 *   int changed = 0;
 *   st = mota_client_update(client, "mobilenet_v2", on_progress, ui, &changed);  // blocking
 *   if (st != MOTA_OK) log("%s", mota_client_last_error(client));  // the active version stays
 *   mota_model_t* model = NULL;
 *   st = mota_model_open(client, "mobilenet_v2", &model);   // the active version
 *   ...
 *   mota_model_close(model);
 *   mota_client_destroy(client);
 */
typedef struct mota_client_config_t mota_client_config_t;
typedef struct mota_client_t mota_client_t;

/* Client settings, each set by its own function (new settings get new functions; the ABI never
 * changes). The caller owns *out_config: mota_client_config_destroy. */
MOTA_API mota_status_t mota_client_config_create(mota_client_config_t** out_config);
MOTA_API void mota_client_config_destroy(mota_client_config_t* config);

/* String settings. Each string is copied. Required: data_dir, server_url, install_id, and
 * trusted_root on the first mota_client_create for a data directory. */
/* The folder libmota keeps its state in (metadata, chunk store, installed models); created when
 * missing. One client at a time per data directory. */
MOTA_API mota_status_t mota_client_config_set_data_dir(mota_client_config_t* config,
                                                       const char* path);
/* The repository: "https://host[:port][/prefix]", "http://..." or "file:///abs/repo". */
MOTA_API mota_status_t mota_client_config_set_server_url(mota_client_config_t* config,
                                                         const char* url);
/* The root.json the app ships (the trust anchor), copied into the data directory on the first
 * create; later creates use the persisted (possibly rotated) root. */
MOTA_API mota_status_t mota_client_config_set_trusted_root(mota_client_config_t* config,
                                                           const char* path);
/* A random id made once per install (1..256 bytes): places the device in staged rollouts. */
MOTA_API mota_status_t mota_client_config_set_install_id(mota_client_config_t* config,
                                                         const char* install_id);
/* Telemetry's device class ([a-z0-9][a-z0-9_.-]{0,63}); default "<os>-<arch>". */
MOTA_API mota_status_t mota_client_config_set_device_class(mota_client_config_t* config,
                                                           const char* device_class);
/* The SoC model (Android Build.SOC_MODEL, e.g. "SM8550"; 1..64 printable ASCII), which native
 * code cannot detect: variants and quirks may require or deny SoCs. */
MOTA_API mota_status_t mota_client_config_set_soc(mota_client_config_t* config, const char* soc);
/* A CA bundle file for TLS; default: the system's. Verification is always on. */
MOTA_API mota_status_t mota_client_config_set_ca_file(mota_client_config_t* config,
                                                      const char* path);

/* Integer settings, checked against mota_client_option_bounds. */
typedef enum mota_client_option_t {
  MOTA_CLIENT_OPT_MAX_IN_FLIGHT = 1,        /* chunk transfers at once; default 4 */
  MOTA_CLIENT_OPT_MAX_ATTEMPTS = 2,         /* tries per chunk, the first included; default 4 */
  MOTA_CLIENT_OPT_DISK_BUDGET_BYTES = 3,    /* chunk store cap, 0 = none (default) */
  MOTA_CLIENT_OPT_TELEMETRY = 4,            /* 1: send update events (opt-in); default 0 */
  MOTA_CLIENT_OPT_CONNECT_TIMEOUT_MS = 5,   /* default 10000 */
  MOTA_CLIENT_OPT_REQUEST_TIMEOUT_MS = 6,   /* one whole request, 0 = none; default 300000 */
  MOTA_CLIENT_OPT_STALL_BYTES_PER_SECOND = 7, /* slower than this for STALL_SECONDS: abandon */
  MOTA_CLIENT_OPT_STALL_SECONDS = 8         /* default 20 (with 1024 bytes per second) */
} mota_client_option_t;

/* The allowed range of `option` (INVALID_ARGUMENT for an unknown option). */
MOTA_API mota_status_t mota_client_option_bounds(mota_client_option_t option, int64_t* out_min,
                                                 int64_t* out_max);
MOTA_API mota_status_t mota_client_config_set_int(mota_client_config_t* config,
                                                  mota_client_option_t option, int64_t value);

/* Asked once per update before any chunk is downloaded, with the bytes needed: return nonzero to
 * allow, 0 to refuse (the update then fails with FAILED_PRECONDITION and downloads nothing).
 * Called on the thread running mota_client_update. `user_data` must stay valid while any client
 * created with this config exists. NULL removes the policy (always allowed). */
typedef int (*mota_network_policy_fn)(void* user_data, uint64_t bytes_to_download);
MOTA_API mota_status_t mota_client_config_set_network_policy(mota_client_config_t* config,
                                                             mota_network_policy_fn policy,
                                                             void* user_data);

/* Creates a client: creates the data directory's folders, installs the trusted root when none is
 * persisted, detects the device (CPU, RAM, OS, Vulkan devices) and cleans what a crash may have
 * left (partial downloads are kept and resumed). No network. `config` may be destroyed after the
 * call. INVALID_ARGUMENT names a missing or bad setting. The caller owns *out_client. */
MOTA_API mota_status_t mota_client_create(const mota_client_config_t* config,
                                          mota_client_t** out_client);
/* Destroys a client. NULL is a no-op. Models opened through it stay usable. Must not race with
 * any other call on the client, mota_client_cancel included. */
MOTA_API void mota_client_destroy(mota_client_t* client);
/* Message of the last failed call on this client; "" after a success or for NULL. Valid until
 * the next call on the client (mota_client_cancel does not change it). */
MOTA_API const char* mota_client_last_error(const mota_client_t* client);

/* Refreshes the verified metadata and says whether mota_client_update would install something
 * for `model` (*out_update_available, required: 1 or 0) and why, in words: the variant it would choose and
 * the reason, or that the active version is the newest that fits (*out_reason is borrowed from
 * the client, valid until the next call on it; may be NULL if not wanted). Downloads no chunk.
 * Errors: UNAVAILABLE (network), VERIFICATION_FAILED (metadata rejected), NOT_FOUND (the
 * repository has no such model), INCOMPATIBLE (no variant fits this device; the reason names
 * the closest one and the condition it failed). */
MOTA_API mota_status_t mota_client_check(mota_client_t* client, const char* model,
                                         int* out_update_available, const char** out_reason);

/* Update progress: compressed bytes of the chunks this update downloads, for `model`'s chosen
 * `variant`. Called on the thread running mota_client_update; the strings are valid during the
 * call only. May call mota_client_cancel; must not call anything else on the client. */
typedef void (*mota_progress_fn)(void* user_data, const char* model, const char* variant,
                                 uint64_t bytes_done, uint64_t bytes_total);

/* Brings `model` to the newest release and best variant for this device: downloads the missing
 * chunks, verifies them, self-tests the result here and activates it atomically. Blocking, on
 * the calling thread (the app owns threads). *out_changed (may be NULL) is 1 when what is
 * installed changed: a new version became active, a damaged active file was repaired, or a
 * revoked release with no replacement was uninstalled (mota_model_open then gives NOT_FOUND with
 * the reason); 0 when the active one was already current. A variant that fails its self-test
 * is marked bad on this device and the next one is tried. On any error the active version is
 * unchanged and still opens. MOTA_ERR_CANCELLED after mota_client_cancel (downloaded chunks are
 * kept: the next update resumes). `progress` may be NULL. A summary of what happened (release,
 * variant, backend, bytes) is in mota_client_last_report. */
MOTA_API mota_status_t mota_client_update(mota_client_t* client, const char* model,
                                          mota_progress_fn progress, void* user_data,
                                          int* out_changed);

/* Stops the mota_client_update running on `client` as soon as possible. Callable from any
 * thread (and from the progress callback); a call while no update runs has no effect. Never
 * blocks. Safe with NULL. */
MOTA_API void mota_client_cancel(mota_client_t* client);

/* What the last successful mota_client_check or mota_client_update did, in words (the variant,
 * why it was chosen, bytes downloaded / total, each variant tried). "" before any. Valid until
 * the next call on the client. */
MOTA_API const char* mota_client_last_report(const mota_client_t* client);

/* The active version of `model`: its release number and variant id and the backend it passed
 * its self-test on (strings borrowed from the client, valid until the next call on it; any out
 * parameter may be NULL). NOT_FOUND when nothing is installed yet. No network. */
MOTA_API mota_status_t mota_client_active(mota_client_t* client, const char* model,
                                          int64_t* out_release, const char** out_variant,
                                          const char** out_backend);

/* The app found the active version failing: marks it bad with `reason` (never installed again
 * here), makes the previous version active again. FAILED_PRECONDITION without a previous one. */
MOTA_API mota_status_t mota_client_rollback(mota_client_t* client, const char* model,
                                            const char* reason);

/* Sends queued telemetry now (MOTA_CLIENT_OPT_TELEMETRY). UNAVAILABLE keeps the events queued. */
MOTA_API mota_status_t mota_client_flush_telemetry(mota_client_t* client);

/* Opens the active version of `model` on the backend it passed its self-test on, with the CPU as
 * the fallback when that backend faults (see mota_model_backend). NOT_FOUND when nothing is
 * installed yet (run mota_client_update first). The model is
 * independent of the client afterwards: it stays valid after later updates (which never modify
 * an open file in place) and after mota_client_destroy. Close with mota_model_close. */
MOTA_API mota_status_t mota_model_open(mota_client_t* client, const char* model_name,
                                       mota_model_t** out_model);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOTA_MOTA_H_ */
