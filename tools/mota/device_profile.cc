// `mota device-profile [--json] [--from FILE] [app facts...]`: the device profile of this
// machine (manifests/spec/device-profile.md) as libmota detects it, or of a profile file (e.g.
// manifests/devices/*.json, validated by the strict reader). The app-supplied facts (SoC,
// network, battery, thermal) can be given as options, as an app would through the setters.
#include "manifests/lib/device_profile/device_profile.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "device/profiler.h"
#include "manifests/lib/device_profile/driver_version.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

namespace dp = device_profile;

struct DeviceProfileArgs {
  bool json = false;
  std::string from;
  std::string sysfs_root = "/sys";
  bool no_vulkan = false;
  std::string soc, device_model, thermal;
  int64_t battery = -1;
  bool charging = false;
  bool metered = false;
};

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04x", v);
  return buf;
}

std::string CpuRanges(const std::vector<int>& cpus) {
  std::string out;
  for (size_t i = 0; i < cpus.size(); ++i) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(cpus[i]);
    if (j > i) out += "-" + std::to_string(cpus[j]);
    i = j;
  }
  return out;
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string GpuLine(const dp::VulkanDevice& d) {
  const std::string_view vendor = dp::VendorName(d.vendor_id);
  std::string line = StrCat(d.name, " [", d.type, "] vendor ", Hex(d.vendor_id));
  if (!vendor.empty()) line += StrCat(" (", vendor, ")");
  line += StrCat(" device ", Hex(d.device_id), ", driver ", d.driver_version);
  if (!d.driver_name.empty()) line += StrCat(" (", d.driver_name, ")");
  line += StrCat(", Vulkan ", d.api_version, ", fp16 ", YesNo(d.fp16), " (storage ",
                 YesNo(d.fp16_storage), "), int8 ", YesNo(d.int8), " (storage ",
                 YesNo(d.int8_storage), "), subgroup ",
                 d.subgroup_size == 0 ? std::string("unknown") : std::to_string(d.subgroup_size));
  return line;
}

std::string AppLine(const dp::AppFacts& a) {
  std::string line;
  auto add = [&line](const std::string& part) { line += (line.empty() ? "" : ", ") + part; };
  if (!a.soc.empty()) add("SoC " + a.soc);
  if (!a.device_model.empty()) add("model " + a.device_model);
  if (a.metered) add(*a.metered ? "metered network" : "unmetered network");
  if (a.battery_percent) add(StrCat("battery ", *a.battery_percent, "%"));
  if (a.charging) add(*a.charging ? "charging" : "not charging");
  if (!a.thermal.empty()) add("thermal " + a.thermal);
  return line.empty() ? "(nothing supplied)" : line;
}

void PrintSummary(const dp::DeviceProfile& p, const std::vector<std::string>& notes) {
  if (!p.name.empty()) std::printf("%s\n", p.name.c_str());
  std::printf("source    %s\n", p.source.c_str());
  std::string features;
  for (const std::string& f : p.cpu.features) features += " " + f;
  std::printf("cpu       %s, %lld cores:%s\n", p.cpu.arch.c_str(),
              static_cast<long long>(p.cpu.cores), features.empty() ? " (none)" : features.c_str());
  for (const dp::CpuCluster& c : p.cpu.clusters) {
    const std::string freq = c.max_freq_khz == 0 ? std::string("max frequency unknown")
                                                 : StrCat(c.max_freq_khz / 1000, " MHz");
    std::printf("cluster   cpus %s: %s\n", CpuRanges(c.cpus).c_str(), freq.c_str());
  }
  std::printf("ram       %lld MiB\n", static_cast<long long>(p.ram_mb));
  std::string os = p.os.name + " " + p.os.version;
  if (p.os.api_level != 0) os += StrCat(" (API ", p.os.api_level, ")");
  if (!p.os.kernel.empty()) os += ", kernel " + p.os.kernel;
  std::printf("os        %s\n", os.c_str());
  if (p.vulkan.empty()) std::printf("vulkan    no devices\n");
  for (size_t i = 0; i < p.vulkan.size(); ++i) {
    std::printf("vulkan    #%zu %s\n", i, GpuLine(p.vulkan[i]).c_str());
  }
  std::printf("app       %s\n", AppLine(p.app).c_str());
  for (const std::string& n : notes) std::printf("note      %s\n", n.c_str());
}

Result<dp::DeviceProfile> ReadProfile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open profile '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  return dp::ParseProfile(text.str(), path);
}

// Applies the app facts given on the command line through the same setters an app uses.
Status ApplyAppFacts(const DeviceProfileArgs& a, device::Profiler* profiler) {
  if (!a.soc.empty()) MOTA_RETURN_IF_ERROR(profiler->SetSoc(a.soc));
  if (!a.device_model.empty()) MOTA_RETURN_IF_ERROR(profiler->SetDeviceModel(a.device_model));
  if (a.metered) profiler->SetMetered(true);
  if (a.battery >= 0 || a.charging) {
    if (a.battery < 0) return InvalidArgument("--charging needs --battery PERCENT");
    MOTA_RETURN_IF_ERROR(profiler->SetBattery(a.battery, a.charging));
  }
  if (!a.thermal.empty()) MOTA_RETURN_IF_ERROR(profiler->SetThermal(a.thermal));
  return Status::Ok();
}

int RunDeviceProfile(const DeviceProfileArgs& a) {
  dp::DeviceProfile profile;
  std::vector<std::string> notes;
  if (!a.from.empty()) {
    Result<dp::DeviceProfile> read = ReadProfile(a.from);
    if (!read.ok()) return ReportError("device-profile", read.status());
    profile = std::move(read).value();
  } else {
    device::DetectOptions options;
    options.sysfs_root = a.sysfs_root;
    options.probe_vulkan = !a.no_vulkan;
    device::Profiler profiler(options);
    if (Status s = ApplyAppFacts(a, &profiler); !s.ok()) return ReportError("device-profile", s);
    profile = profiler.profile();
    notes = profiler.notes();
  }
  if (a.json) {
    std::fputs(dp::WriteProfile(profile).c_str(), stdout);
  } else {
    PrintSummary(profile, notes);
  }
  return 0;
}

}  // namespace

Command AddDeviceProfileCommand(CLI::App& app) {
  auto args = std::make_shared<DeviceProfileArgs>();
  CLI::App* cmd = app.add_subcommand(
      "device-profile",
      "Show this device's profile (CPU, clusters, RAM, OS, Vulkan devices) as libmota detects it");
  cmd->add_flag("--json", args->json,
                "Print the profile as JSON (manifests/spec/device-profile.md)");
  cmd->add_option("--from", args->from, "Read and validate a profile file instead of detecting")
      ->check(CLI::ExistingFile);
  cmd->add_option("--sysfs-root", args->sysfs_root, "Where sysfs is (default /sys)");
  cmd->add_flag("--no-vulkan", args->no_vulkan, "Do not probe Vulkan devices");
  cmd->add_option("--soc", args->soc, "App fact: SoC model (e.g. SM8550)");
  cmd->add_option("--device-model", args->device_model, "App fact: device model");
  cmd->add_flag("--metered", args->metered, "App fact: the network is metered");
  cmd->add_option("--battery", args->battery, "App fact: battery level in percent (0..100)");
  cmd->add_flag("--charging", args->charging, "App fact: the battery is charging");
  cmd->add_option("--thermal", args->thermal,
                  "App fact: thermal status (none light moderate severe critical emergency "
                  "shutdown)");
  for (const char* opt : {"--soc", "--device-model", "--metered", "--battery", "--charging",
                          "--thermal", "--sysfs-root", "--no-vulkan"}) {
    cmd->get_option(opt)->excludes("--from");
  }
  return Command{cmd, [args] { return RunDeviceProfile(*args); }};
}

}  // namespace mota::cli
