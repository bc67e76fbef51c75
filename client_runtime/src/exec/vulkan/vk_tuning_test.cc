// vk_tuning: per-family parameters and the key table the packager shares (vk_tuning_keys.h).
// No Vulkan device needed: the devices are described, not opened.
#include "exec/vulkan/vk_tuning.h"

#include <gtest/gtest.h>

#include "exec/vulkan/vk_tuning_keys.h"

namespace mota::exec::vk {
namespace {

DeviceInfo Gpu(uint32_t vendor_id) {
  DeviceInfo d;
  d.name = "test GPU";
  d.vendor_id = vendor_id;
  d.type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  d.max_workgroup_invocations = 1024;
  d.max_workgroup_size[0] = 1024;
  d.max_shared_memory = 49152;
  return d;
}

constexpr const char* kPerFamily =
    "0x10de:gemm_min_groups=512,0x10de:gemm_tile=8,default:gemm_tile=4";

TEST(VkTuning, the_devices_family_entry_applies_and_the_default_does_not) {
  Tuning t = DefaultTuning(Gpu(0x10DE));
  ASSERT_TRUE(ApplyTuningParameters(kPerFamily, Gpu(0x10DE), &t).ok());
  EXPECT_EQ(t.gemm_tile, 8u);
  EXPECT_EQ(t.gemm_min_groups, 512u);
}

TEST(VkTuning, another_vendor_takes_the_default_entry) {
  Tuning t = DefaultTuning(Gpu(0x1002));
  const uint32_t min_groups = t.gemm_min_groups;
  ASSERT_TRUE(ApplyTuningParameters(kPerFamily, Gpu(0x1002), &t).ok());
  EXPECT_EQ(t.gemm_tile, 4u);
  EXPECT_EQ(t.gemm_min_groups, min_groups);  // NVIDIA's entry is not AMD's
  Tuning mesa = DefaultTuning(Gpu(0x10005));
  ASSERT_TRUE(ApplyTuningParameters("0x10005:reduce_wg=16,gemm_tile=2", Gpu(0x10005), &mesa).ok());
  EXPECT_EQ(mesa.reduce_wg, 16u);
  EXPECT_EQ(mesa.gemm_tile, DefaultTuning(Gpu(0x10005)).gemm_tile);  // unqualified = default
}

TEST(VkTuning, a_bare_family_is_an_empty_entry_that_keeps_the_vendor_defaults) {
  Tuning t = DefaultTuning(Gpu(0x10005));
  ASSERT_TRUE(ApplyTuningParameters("0x10005:,default:gemm_tile=2", Gpu(0x10005), &t).ok());
  EXPECT_EQ(TuningToString(t), TuningToString(DefaultTuning(Gpu(0x10005))));
  ASSERT_TRUE(ApplyTuningParameters("0x10005:,default:gemm_tile=2", Gpu(0x10DE), &t).ok());
  EXPECT_EQ(t.gemm_tile, 2u);
  EXPECT_FALSE(ApplyTuningParameters("0x1:", Gpu(0x10DE), &t).ok());  // not a family
}

TEST(VkTuning, a_bad_item_of_another_family_still_fails_and_nothing_is_applied) {
  Tuning t = DefaultTuning(Gpu(0x10DE));
  const Tuning before = t;
  Status s = ApplyTuningParameters("0x10de:gemm_tile=8,0x1002:gemm_tile=3", Gpu(0x10DE), &t);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'gemm_tile': value '3' is not a power of two"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(TuningToString(t), TuningToString(before));
  s = ApplyTuningParameters("0x10DE:gemm_tile=8", Gpu(0x10DE), &t);  // one spelling per vendor
  EXPECT_NE(s.message().find("GPU family '0x10DE'"), std::string::npos) << s.ToString();
}

// Found by tests/fuzz vk_tuning (regressions/vk_tuning/gemm_tile_square_wraps_32_bits.txt):
// 2^30 x 2^30 threads wrapped to 0 in 32 bits, so a 1024-thread GPU "fit" the tile.
TEST(VkTuning, a_gemm_tile_whose_square_wraps_32_bits_is_refused_not_taken_as_fitting) {
  for (const char* text : {"gemm_tile=1073741824", "gemm_tile=2147483648",
                           "gemm_tile=268435456,gemm_regs=4", "gemm_tile=65536,gemm_regs=1"}) {
    Tuning t = DefaultTuning(Gpu(0x1002));
    const Tuning before = t;
    const Status s = ApplyTuningParameters(text, Gpu(0x1002), &t);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find("exceeds the limits"), std::string::npos) << s.ToString();
    EXPECT_EQ(TuningToString(t), TuningToString(before)) << text;
  }
}

TEST(VkTuningKeys, the_table_names_every_key_the_device_parses) {
  EXPECT_EQ(TuningKeyNames(),
            "elementwise_wg, gemm_tile, gemm_regs, reduce_wg, gemm_shared, gemm_min_groups");
  for (const TuningKey& key : kTuningKeys) {
    // Every value the packager accepts (CheckTuningValue) parses on a device with the largest
    // limits; twice the maximum does not pass the packager.
    for (const int64_t v : {int64_t{0}, int64_t{1}, int64_t{key.max}}) {
      if (!CheckTuningValue(key, v).ok()) continue;
      Tuning t = DefaultTuning(Gpu(0x10DE));
      EXPECT_TRUE(ApplyTuningParameters(StrCat(key.name, "=", v), Gpu(0x10DE), &t).ok())
          << key.name << "=" << v;
    }
    if (key.max < UINT32_MAX) {
      const Status s = CheckTuningValue(key, int64_t{key.max} * 2);
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key.name;
      EXPECT_NE(s.message().find(TuningValueRange(key)), std::string::npos) << s.ToString();
    }
  }
  EXPECT_EQ(FindTuningKey("warp"), nullptr);
  EXPECT_FALSE(CheckTuningValue(*FindTuningKey("gemm_tile"), 12).ok());
  EXPECT_FALSE(CheckTuningValue(*FindTuningKey("gemm_min_groups"), -1).ok());
  EXPECT_TRUE(CheckTuningValue(*FindTuningKey("gemm_min_groups"), 0).ok());
  EXPECT_EQ(TuningValueRange(*FindTuningKey("gemm_regs")), "a power of two 1..4");
}

}  // namespace
}  // namespace mota::exec::vk
