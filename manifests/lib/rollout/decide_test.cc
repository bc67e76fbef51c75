// The client's decision read as behaviours and attacks: what a rollout document (signed by an
// online key) can and cannot make a device do.
#include "manifests/lib/rollout/decide.h"

#include <gtest/gtest.h>

#include "manifests/lib/rollout/bucket.h"

namespace mota::rollout {
namespace {

constexpr char kModel[] = "mobilenet_v2";

ReleaseRollout Entry(int64_t release, int64_t bp, State state = State::kActive) {
  ReleaseRollout e;
  e.release = release;
  e.basis_points = bp;
  e.state = state;
  return e;
}

Rollout Doc(std::vector<ReleaseRollout> releases, Unlisted unlisted = Unlisted::kHold) {
  Rollout r;
  r.model = kModel;
  r.unlisted = unlisted;
  r.releases = std::move(releases);
  return r;
}

// An install id whose bucket for kModel is below / above `bp`.
std::string IdWithBucket(bool inside, int64_t bp) {
  for (int i = 0;; ++i) {
    const std::string id = "device-" + std::to_string(i);
    if (InRollout(Bucket(id, kModel).value(), bp) == inside) return id;
  }
}

DecideInput Input(const Rollout* doc, std::vector<SignedRelease> releases, std::string id,
                  int64_t installed) {
  DecideInput in;
  in.model = kModel;
  in.rollout = doc;
  in.releases = std::move(releases);
  in.install_id = std::move(id);
  in.installed_release = installed;
  in.device.os = "android";
  return in;
}

TEST(Decide, device_in_at_10_percent_stays_in_at_50) {
  const std::string early = IdWithBucket(true, 1000);
  for (int64_t bp : {1000, 2500, 5000, 10000}) {
    Rollout doc = Doc({Entry(1, 10000), Entry(2, bp)});
    Result<Decision> d = Decide(Input(&doc, {{1, false}, {2, false}}, early, 1));
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(d->release, 2) << "at " << bp << ": " << d->why;
  }
  Rollout doc = Doc({Entry(1, 10000), Entry(2, 1000)});
  Result<Decision> late =
      Decide(Input(&doc, {{1, false}, {2, false}}, IdWithBucket(false, 1000), 1));
  EXPECT_EQ(late->release, 1) << late->why;
  EXPECT_NE(late->notes[0].find("outside the rollout of 10%"), std::string::npos) << late->notes[0];
}

TEST(Decide, halted_release_is_not_offered) {
  Rollout doc = Doc({Entry(1, 10000), Entry(2, 10000, State::kHalted)});
  doc.releases[1].reason = "auto: failure rate 12% on class a";
  Result<Decision> d = Decide(Input(&doc, {{1, false}, {2, false}}, "id", 1));
  EXPECT_EQ(d->release, 1);
  EXPECT_NE(d->notes[0].find("halted: auto: failure rate"), std::string::npos) << d->notes[0];
  // A device already on the halted release stays on it.
  EXPECT_EQ(Decide(Input(&doc, {{1, false}, {2, false}}, "id", 2))->release, 2);
  // A new device takes the highest release still offered.
  EXPECT_EQ(Decide(Input(&doc, {{1, false}, {2, false}}, "id", 0))->release, 1);
}

TEST(Decide, revoked_release_is_never_taken) {
  Rollout doc = Doc({Entry(1, 10000), Entry(2, 10000, State::kRevoked), Entry(3, 10000)});
  // Revoked in the rollout (online key) or by its publisher: never taken.
  Result<Decision> d = Decide(Input(&doc, {{1, false}, {2, false}, {3, true}}, "id", 1));
  EXPECT_EQ(d->release, 1) << d->why;
  EXPECT_EQ(Decide(Input(nullptr, {{1, false}, {2, true}}, "id", 0))->release, 1);
}

TEST(Decide, publisher_revocation_of_the_installed_release_moves_the_device_down) {
  Result<Decision> d = Decide(Input(nullptr, {{1, false}, {2, true}}, "id", 2));
  EXPECT_EQ(d->release, 1) << d->why;
  d = Decide(Input(nullptr, {{1, true}}, "id", 1));
  EXPECT_EQ(d->release, 0) << "nothing left to run";
  EXPECT_NE(d->why.find("revoked by its publisher"), std::string::npos) << d->why;
}

TEST(Decide, rollout_cannot_move_a_device_backwards) {
  // An online key revokes / halts / zeroes the installed release and offers an older one to
  // everybody: the device keeps what it runs.
  for (State s : {State::kRevoked, State::kHalted, State::kActive}) {
    Rollout doc = Doc({Entry(1, 10000), Entry(2, 0, s)}, Unlisted::kOffer);
    Result<Decision> d = Decide(Input(&doc, {{1, false}, {2, false}}, "id", 2));
    EXPECT_EQ(d->release, 2) << StateName(s) << ": " << d->why;
  }
}

TEST(Decide, rollout_naming_unsigned_release_is_not_taken) {
  // The document offers release 9 to everybody; no publisher signed a release 9.
  Rollout doc = Doc({Entry(1, 10000), Entry(9, 10000)}, Unlisted::kOffer);
  Result<Decision> d = Decide(Input(&doc, {{1, false}}, "id", 0));
  EXPECT_EQ(d->release, 1) << d->why;
}

TEST(Decide, when_conditions_restrict_the_offer) {
  Rollout doc = Doc({Entry(1, 10000), Entry(2, 10000)});
  doc.releases[1].when = conditions::DeviceConditions{};
  doc.releases[1].when->os = {"ios"};
  Result<Decision> d = Decide(Input(&doc, {{1, false}, {2, false}}, "id", 1));
  EXPECT_EQ(d->release, 1);
  EXPECT_NE(d->notes[0].find("rollout condition not met"), std::string::npos) << d->notes[0];
}

TEST(Decide, when_with_a_condition_this_runtime_does_not_know_is_not_met) {
  Json doc_json = {{"_type", "rollout"},
                   {"spec_version", "1.0.31"},
                   {"version", 1},
                   {"expires", "2030-01-01T00:00:00Z"},
                   {"model", kModel},
                   {"unlisted", "hold"},
                   {"releases",
                    {{{"release", 1}, {"basis_points", 10000}, {"state", "active"}, {"reason", ""}},
                     {{"release", 2},
                      {"basis_points", 10000},
                      {"state", "active"},
                      {"reason", ""},
                      {"when", {{"npu_generation", 3}}}}}}};
  Result<Rollout> doc = ParseRollout(doc_json, "1.mobilenet_v2.rollout.json");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  Result<Decision> d = Decide(Input(&*doc, {{1, false}, {2, false}}, "id", 1));
  EXPECT_EQ(d->release, 1) << d->why;
  EXPECT_NE(d->notes[0].find("npu_generation"), std::string::npos) << d->notes[0];
}

TEST(Decide, unlisted_releases_follow_the_document) {
  Rollout hold = Doc({Entry(1, 10000)}, Unlisted::kHold);
  Rollout offer = Doc({Entry(1, 10000)}, Unlisted::kOffer);
  EXPECT_EQ(Decide(Input(&hold, {{1, false}, {2, false}}, "id", 0))->release, 1);
  EXPECT_EQ(Decide(Input(&offer, {{1, false}, {2, false}}, "id", 0))->release, 2);
  // No rollout document: every signed release is offered.
  EXPECT_EQ(Decide(Input(nullptr, {{1, false}, {2, false}}, "id", 0))->release, 2);
}

TEST(Decide, document_of_another_model_is_refused) {
  Rollout doc = Doc({});
  doc.model = "resnet18";
  Result<Decision> d = Decide(Input(&doc, {{1, false}}, "id", 0));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("resnet18"), std::string::npos);
}

}  // namespace
}  // namespace mota::rollout
