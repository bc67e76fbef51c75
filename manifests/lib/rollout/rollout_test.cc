// The rollout document: strict parsing with named fields, exact round trip, unknown fields kept.
#include "manifests/lib/rollout/rollout.h"

#include <gtest/gtest.h>

#include "manifests/lib/tuf/canonical_json.h"

namespace mota::rollout {
namespace {

Json Valid() {
  return tuf::ParseJson(R"({"_type":"rollout","spec_version":"1.0.31","version":4,
    "expires":"2030-01-01T00:00:00Z","model":"mobilenet_v2","unlisted":"hold",
    "releases":[{"release":3,"basis_points":10000,"state":"active","reason":""},
                {"release":4,"basis_points":1000,"when":{"os":["android"]},"state":"halted",
                 "reason":"auto: failure rate"}]})",
                        "rollout")
      .value();
}

TEST(Rollout, valid_document_round_trips_with_unknown_fields_kept) {
  Json doc = Valid();
  doc["x_later"] = 1;
  doc["releases"][0]["x_item_later"] = "kept";
  Result<Rollout> r = ParseRollout(doc, "4.mobilenet_v2.rollout.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->version, 4);
  ASSERT_EQ(r->releases.size(), 2u);
  EXPECT_EQ(r->releases[1].state, State::kHalted);
  ASSERT_TRUE(r->releases[1].when.has_value());
  EXPECT_EQ(r->releases[1].when->os, std::vector<std::string>{"android"});
  EXPECT_EQ(r->Find(4)->basis_points, 1000);
  EXPECT_EQ(r->Find(5), nullptr);
  EXPECT_EQ(tuf::CanonicalJson(ToJson(r.value())).value(), tuf::CanonicalJson(doc).value());
}

TEST(Rollout, each_bad_field_is_named) {
  struct Case {
    const char* pointer;
    Json value;
    const char* named;
  };
  const Case cases[] = {
      {"/_type", "targets", "signed._type"},
      {"/version", 0, "signed.version"},
      {"/expires", "tomorrow", "signed.expires"},
      {"/model", "Root", "signed.model"},
      {"/unlisted", "maybe", "signed.unlisted"},
      {"/releases", Json::object(), "signed.releases"},
      {"/releases/0/basis_points", 10001, "releases[0].basis_points"},
      {"/releases/0/basis_points", -1, "releases[0].basis_points"},
      {"/releases/0/release", 0, "releases[0].release"},
      {"/releases/1/state", "paused", "releases[1].state"},
      {"/releases/1/release", 3, "releases[1].release"},
      {"/releases/1/when", "android", "releases[1].when"},
      {"/releases/1/reason", std::string(kMaxReasonBytes + 1, 'x'), "releases[1].reason"},
  };
  for (const Case& c : cases) {
    Json doc = Valid();
    doc[Json::json_pointer(c.pointer)] = c.value;
    Result<Rollout> r = ParseRollout(doc, "f");
    ASSERT_FALSE(r.ok()) << c.pointer;
    EXPECT_NE(r.status().message().find(c.named), std::string::npos)
        << c.pointer << ": " << r.status().message();
  }
}

TEST(Rollout, missing_field_is_named) {
  for (const char* field : {"model", "unlisted", "releases", "expires"}) {
    Json doc = Valid();
    doc.erase(field);
    Result<Rollout> r = ParseRollout(doc, "f");
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_NE(r.status().message().find(std::string("signed.") + field + ": missing"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(Rollout, file_names_follow_the_snapshot_meta_key) {
  EXPECT_EQ(RolloutMetaName("m"), "m.rollout.json");
  EXPECT_EQ(RolloutFileName("m", 3), "3.m.rollout.json");
}

}  // namespace
}  // namespace mota::rollout
