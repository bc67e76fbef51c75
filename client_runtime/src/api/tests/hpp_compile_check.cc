// Compiled (not run) as C++17 with -fno-exceptions -fno-rtti: mota.hpp's default mode must build
// where mobile apps build libmota's users (STYLE.md 4), with the strict warning set.
#include "mota/mota.hpp"

namespace {

// Uses every wrapper once so each template and inline function is instantiated.
[[maybe_unused]] int UseEverything(mota::cxx::Client& client) {
  auto config = mota::cxx::ClientConfig::Create();
  if (!config || !config->SetDataDir("/d") || !config->SetServerUrl("file:///r") ||
      !config->SetTrustedRoot("/r.json") || !config->SetInstallId("i") ||
      !config->SetInt(MOTA_CLIENT_OPT_TELEMETRY, 0)) {
    return 1;
  }
  auto check = client.Check("m");
  auto changed = client.Update("m", [](const char*, const char*, uint64_t, uint64_t) {});
  client.Cancel();
  auto model = mota::cxx::Model::Open(client, "m");
  if (!check || !changed || !model) return 1;
  auto file = mota::cxx::Model::OpenFile("m.mota", "reference");
  auto t = mota::cxx::Tensor::Create(MOTA_DTYPE_F32, {1, 2});
  auto npy = mota::cxx::Tensor::FromNpy("x.npy");
  if (!file || !t || !npy) return 1;
  mota::cxx::Model& m = *file;
  auto in = m.Input(0);
  auto in2 = m.Input("x");
  auto resized = m.ResizeInput(0, {1, 2});
  auto set = m.SetInput(0, *t);
  auto run = m.Run();
  auto out = m.Output(0);
  auto out2 = m.Output("y");
  if (!in || !in2 || !resized || !set || !run || !out || !out2) return 1;
  return static_cast<int>(mota::cxx::Dims(*out).size() + m.input_count() + m.output_count() +
                          m.backend().size() + client.last_report().size());
}

}  // namespace
