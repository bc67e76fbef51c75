/* A small app embedding libmota through its C API only (mota/mota.h).
 *
 *   mota_c_app [--backend B] [--input FILE.npy] MODEL.mota
 *       opens the file and runs it once;
 *   mota_c_app --server URL --data DIR [--root ROOT.json] [--install-id ID] [--input FILE.npy] NAME
 *       first brings model NAME up to date from the repository at URL (https://..., http://...,
 *       file:///...), keeping libmota's state in DIR, then opens and runs the active version.
 *
 * The first input is read from FILE.npy when given, else it is zeros (inputs with symbolic dims
 * then need --input). It prints the first output's shape and its five largest values. Exit code:
 * 0 on success, 1 when a mota call failed (its status and message are printed), 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mota/mota.h"

typedef struct {
  const char* model;
  const char* backend;
  const char* input;
  const char* server;
  const char* data_dir;
  const char* root;
  const char* install_id;
} app_args;

static int usage(const char* argv0) {
  fprintf(stderr,
          "usage: %s [--backend B] [--input FILE.npy] MODEL.mota\n"
          "       %s --server URL --data DIR [--root ROOT.json] [--install-id ID]"
          " [--input FILE.npy] MODEL_NAME\n",
          argv0, argv0);
  return 2;
}

/* Parses the options; returns 0 on success. */
static int parse_args(int argc, char** argv, app_args* a) {
  int i;
  memset(a, 0, sizeof(*a));
  a->backend = "auto";
  a->install_id = "mota-c-app";
  for (i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char** slot = NULL;
    if (strcmp(arg, "--backend") == 0) slot = &a->backend;
    if (strcmp(arg, "--input") == 0) slot = &a->input;
    if (strcmp(arg, "--server") == 0) slot = &a->server;
    if (strcmp(arg, "--data") == 0) slot = &a->data_dir;
    if (strcmp(arg, "--root") == 0) slot = &a->root;
    if (strcmp(arg, "--install-id") == 0) slot = &a->install_id;
    if (slot != NULL) {
      if (i + 1 >= argc) return 1;
      *slot = argv[++i];
    } else if (arg[0] == '-' || a->model != NULL) {
      return 1;
    } else {
      a->model = arg;
    }
  }
  if (a->model == NULL) return 1;
  return (a->server == NULL) != (a->data_dir == NULL); /* both or neither */
}

static int fail(const char* what, mota_status_t status, const char* message) {
  fprintf(stderr, "mota_c_app: %s failed: %s: %s\n", what, mota_status_string(status), message);
  return 1;
}

static void on_progress(void* user_data, const char* model, const char* variant,
                        uint64_t bytes_done, uint64_t bytes_total) {
  (void)user_data;
  fprintf(stderr, "\r%s %s: %llu / %llu bytes", model, variant, (unsigned long long)bytes_done,
          (unsigned long long)bytes_total);
  if (bytes_done == bytes_total) fprintf(stderr, "\n");
}

/* Updates model a->model from a->server, then opens its active version. */
static int update_and_open(const app_args* a, mota_model_t** out_model) {
  mota_client_config_t* config = NULL;
  mota_client_t* client = NULL;
  mota_status_t st = mota_client_config_create(&config);
  int changed = 0;
  int64_t release = 0;
  const char* variant = NULL;
  const char* backend = NULL;
  if (st == MOTA_OK) st = mota_client_config_set_data_dir(config, a->data_dir);
  if (st == MOTA_OK) st = mota_client_config_set_server_url(config, a->server);
  if (st == MOTA_OK && a->root != NULL) st = mota_client_config_set_trusted_root(config, a->root);
  if (st == MOTA_OK) st = mota_client_config_set_install_id(config, a->install_id);
  if (st == MOTA_OK) st = mota_client_create(config, &client);
  mota_client_config_destroy(config); /* the client keeps a copy */
  if (st != MOTA_OK) return fail("creating the client", st, mota_last_error());

  st = mota_client_update(client, a->model, on_progress, NULL, &changed);
  if (st != MOTA_OK) {
    /* The active version (if any) is intact: keep running it. */
    fprintf(stderr, "mota_c_app: update failed, keeping the active version: %s: %s\n",
            mota_status_string(st), mota_client_last_error(client));
  } else {
    printf("update: %s\n", mota_client_last_report(client));
  }
  st = mota_client_active(client, a->model, &release, &variant, &backend);
  if (st == MOTA_OK) {
    printf("active: %s release %lld variant %s on %s%s\n", a->model, (long long)release, variant,
           backend, changed ? " (new)" : "");
  }
  if (st == MOTA_OK) st = mota_model_open(client, a->model, out_model);
  if (st != MOTA_OK) {
    int rc = fail("opening the active version", st, mota_client_last_error(client));
    mota_client_destroy(client);
    return rc;
  }
  mota_client_destroy(client); /* the model stays usable */
  return 0;
}

/* Fills input 0 from a .npy file, or leaves it zero. */
static int set_input(mota_model_t* model, const char* npy) {
  mota_tensor_t* value = NULL;
  mota_status_t st;
  if (mota_model_input_count(model) == 0) return 0;
  if (npy == NULL) {
    mota_tensor_t* x = NULL;
    st = mota_model_input(model, 0, &x);
    if (st == MOTA_OK && mota_tensor_data(x) == NULL && mota_tensor_element_count(x) == 0 &&
        mota_tensor_rank(x) > 0) {
      fprintf(stderr, "mota_c_app: input '%s' has symbolic dims: pass --input FILE.npy\n",
              mota_tensor_name(x));
      return 1;
    }
    return st == MOTA_OK ? 0 : fail("reading input 0", st, mota_model_last_error(model));
  }
  st = mota_tensor_create_from_npy(npy, &value);
  if (st != MOTA_OK) return fail("reading the input", st, mota_last_error());
  st = mota_model_set_input(model, 0, value);
  mota_tensor_destroy(value);
  return st == MOTA_OK ? 0 : fail("setting input 0", st, mota_model_last_error(model));
}

/* Prints output 0: dtype, shape and, for f32, its five largest values with their index. */
static void print_top(const mota_tensor_t* y) {
  size_t i, k, n = mota_tensor_element_count(y);
  size_t best[5];
  size_t found = 0;
  const float* v = (const float*)mota_tensor_data(y);
  printf("output %s %s [", mota_tensor_name(y), mota_dtype_name(mota_tensor_dtype(y)));
  for (i = 0; i < mota_tensor_rank(y); ++i) {
    printf("%s%lld", i == 0 ? "" : ",", (long long)mota_tensor_dim(y, i));
  }
  printf("]\n");
  if (mota_tensor_dtype(y) != MOTA_DTYPE_F32 || v == NULL) return;
  for (k = 0; k < 5 && k < n; ++k) {
    size_t arg = n;
    for (i = 0; i < n; ++i) {
      size_t j, taken = 0;
      for (j = 0; j < found; ++j) taken |= best[j] == i;
      if (!taken && (arg == n || v[i] > v[arg])) arg = i;
    }
    best[found++] = arg;
    printf("top %lu: index %lu value %.6g\n", (unsigned long)(k + 1), (unsigned long)arg,
           (double)v[arg]);
  }
}

int main(int argc, char** argv) {
  app_args a;
  mota_model_t* model = NULL;
  const mota_tensor_t* y = NULL;
  mota_status_t st;
  if (parse_args(argc, argv, &a) != 0) return usage(argv[0]);
  if (a.server != NULL) {
    if (update_and_open(&a, &model) != 0) return 1;
  } else {
    st = mota_model_open_file(a.model, a.backend, &model);
    if (st != MOTA_OK) return fail("opening the model", st, mota_last_error());
  }
  printf("libmota %s, model %s on backend %s\n", mota_version(), a.model,
         mota_model_backend(model));
  if (set_input(model, a.input) != 0) {
    mota_model_close(model);
    return 1;
  }
  st = mota_model_run(model);
  if (st == MOTA_OK) st = mota_model_output(model, 0, &y);
  if (st != MOTA_OK) {
    int rc = fail("running the model", st, mota_model_last_error(model));
    mota_model_close(model);
    return rc;
  }
  print_top(y);
  mota_model_close(model);
  return 0;
}
