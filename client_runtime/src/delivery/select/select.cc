#include "delivery/select/select.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

namespace mota::select {
namespace {

using conditions::DeviceConditions;
using conditions::DeviceFacts;

// One variant of the release being chosen from, judged.
struct Judged {
  const tuf::VariantTarget* target = nullptr;
  bool fits = false;
  int misses = 0;           // unmet conditions (quirk denial: 1); for "closest"
  bool closest_ok = false;  // failed on conditions or a quirk (not revoked / failed before)
  std::string why;          // the rejection reason; empty when it fits
};

const FailedVariant* FindFailed(const SelectInput& in, const tuf::VariantTarget& t) {
  for (const FailedVariant& f : in.failed) {
    if (f.release == t.release && f.variant == t.variant) return &f;
  }
  return nullptr;
}

Judged Judge(const SelectInput& in, const tuf::VariantTarget& t) {
  Judged j{.target = &t};
  if (t.revoked) {
    j.why = "revoked by its publisher";
    return j;
  }
  if (const FailedVariant* f = FindFailed(in, t)) {
    j.why = StrCat("failed on this device before: ", f->reason);
    return j;
  }
  j.closest_ok = true;
  Result<conditions::Requires> req =
      conditions::ParseRequires(t.requires_, tuf::VariantTargetPath(t.model, t.variant, t.release));
  if (!req.ok()) {
    j.misses = 1000;  // unreadable conditions: the farthest of all
    j.why = StrCat("its requires cannot be read: ", req.status().message());
    return j;
  }
  // The target's own min_runtime_version (repository.md "Targets") binds like a condition.
  DeviceConditions runtime;
  runtime.min_runtime_version = t.min_runtime_version;
  const std::string runtime_unmet = conditions::Unmet(runtime, in.device);
  j.misses = CountUnmet(req->conditions, in.device) + (runtime_unmet.empty() ? 0 : 1);
  const conditions::Fit fit = conditions::Evaluate(*req, in.device);
  if (!runtime_unmet.empty()) {
    j.why = runtime_unmet;
  } else if (!fit.fits) {
    j.why = fit.why;
    if (j.misses == 0) j.misses = 1;  // a quirk denied it
  } else {
    j.fits = true;
  }
  return j;
}

// Priority descending, then variant id: the order of preference.
bool Preferred(const tuf::VariantTarget& a, const tuf::VariantTarget& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return a.variant < b.variant;
}

VariantLine LineOf(const tuf::VariantTarget& t, bool taken, std::string reason) {
  return VariantLine{.release = t.release,
                     .variant = t.variant,
                     .backend = t.backend,
                     .precision = t.precision,
                     .priority = t.priority,
                     .taken = taken,
                     .reason = std::move(reason)};
}

// Judges every variant of `release`; fills `out` when one fits. Returns the lines.
std::vector<VariantLine> ChooseIn(const SelectInput& in, int64_t release, Selection* out,
                                  std::vector<Judged>* judged) {
  std::vector<const tuf::VariantTarget*> variants;
  for (const tuf::VariantTarget& t : in.targets) {
    if (t.release == release) variants.push_back(&t);
  }
  std::sort(variants.begin(), variants.end(),
            [](const auto* a, const auto* b) { return Preferred(*a, *b); });
  const tuf::VariantTarget* best = nullptr;
  std::vector<VariantLine> lines;
  for (const tuf::VariantTarget* t : variants) {
    Judged j = Judge(in, *t);
    if (j.fits && best == nullptr) {
      best = t;
      lines.push_back(LineOf(*t, true, StrCat("fits; highest priority (", t->priority, ")")));
    } else if (j.fits) {
      lines.push_back(LineOf(*t, false,
                             StrCat("fits, but priority ", t->priority, " is below ", best->variant,
                                    " (", best->priority, ")")));
    } else {
      lines.push_back(LineOf(*t, false, j.why));
    }
    judged->push_back(std::move(j));
  }
  if (best != nullptr) {
    out->found = true;
    out->release = release;
    out->variant = best->variant;
  }
  return lines;
}

// The rollout's reason for each release ("release 4: not offered ..." -> that text).
std::map<int64_t, std::string> ReleaseNotes(const rollout::Decision& d) {
  std::map<int64_t, std::string> notes;
  for (const std::string& note : d.notes) {
    const size_t colon = note.find(": ");
    if (note.rfind("release ", 0) != 0 || colon == std::string::npos) continue;
    int64_t release = 0;
    const char* first = note.data() + 8;
    const char* last = note.data() + colon;
    if (std::from_chars(first, last, release).ptr != last) continue;
    notes[release] = note.substr(colon + 2);
  }
  return notes;
}

void SetNoMatch(const std::vector<Judged>& judged, int64_t release, Selection* s) {
  const Judged* closest = nullptr;
  for (const Judged& j : judged) {
    if (!j.closest_ok) continue;
    if (closest == nullptr || j.misses < closest->misses ||
        (j.misses == closest->misses && Preferred(*j.target, *closest->target))) {
      closest = &j;
    }
  }
  if (closest == nullptr) {
    s->status = judged.empty() ? StrCat("no variant fits: release ", release, " lists no variant")
                               : StrCat("no variant fits: every variant of release ", release,
                                        " is revoked or failed on this device before");
    return;
  }
  s->closest = closest->target->variant;
  s->closest_why = closest->why;
  s->status = StrCat("no variant fits; the closest is ", s->closest, " (release ", release,
                     ", priority ", closest->target->priority, "): ", s->closest_why);
}

}  // namespace

int CountUnmet(const DeviceConditions& c, const DeviceFacts& device) {
  // One condition at a time, each checked alone by the shared evaluator (os and its version
  // together: a version range is only defined for its os).
  std::vector<DeviceConditions> parts(9);
  parts[0].arch = c.arch;
  parts[1].cpu_features = c.cpu_features;
  parts[2].min_cores = c.min_cores;
  parts[2].max_cores = c.max_cores;
  parts[3].min_ram_mb = c.min_ram_mb;
  parts[3].max_ram_mb = c.max_ram_mb;
  parts[4].os = c.os;
  parts[4].os_version = c.os_version;
  parts[5].soc = c.soc;
  parts[6].min_runtime_version = c.min_runtime_version;
  parts[7].gpu = c.gpu;
  parts[8].unknown_keys = c.unknown_keys;
  int misses = 0;
  for (const DeviceConditions& part : parts) {
    if (!part.empty() && !conditions::Matches(part, device)) ++misses;
  }
  return misses;
}

Result<Selection> Select(const SelectInput& in) {
  // Releases as the publisher signed them; a release is revoked when its targets say so.
  std::map<int64_t, bool> revoked;
  for (const tuf::VariantTarget& t : in.targets) {
    if (t.model != in.model) {
      return InvalidArgument("target ", tuf::VariantTargetPath(t.model, t.variant, t.release),
                             ": custom.model is \"", t.model, "\", expected \"", in.model, "\"");
    }
    revoked[t.release] = revoked[t.release] || t.revoked;
  }
  rollout::DecideInput decide{.model = in.model,
                              .rollout = in.rollout,
                              .install_id = in.install_id,
                              .device = in.device,
                              .installed_release = in.installed_release};
  for (const auto& [release, is_revoked] : revoked)
    decide.releases.push_back({release, is_revoked});
  Selection s;
  MOTA_ASSIGN_OR_RETURN(s.decision, rollout::Decide(decide));

  std::vector<Judged> judged;
  std::set<int64_t> tried;
  if (s.decision.release > 0) {
    s.lines = ChooseIn(in, s.decision.release, &s, &judged);
    tried.insert(s.decision.release);
  }
  int64_t judged_release = s.decision.release;
  // Nothing of the offered release fits: the installed one still may (rule 4).
  const int64_t installed = in.installed_release;
  if (!s.found && installed > 0 && !tried.count(installed) && revoked.count(installed) &&
      !revoked[installed]) {
    std::vector<Judged> installed_judged;
    std::vector<VariantLine> more = ChooseIn(in, installed, &s, &installed_judged);
    s.lines.insert(s.lines.end(), more.begin(), more.end());
    tried.insert(installed);
    if (s.found || judged.empty()) {
      judged = std::move(installed_judged);
      judged_release = installed;
    }
  }
  // Variants of releases not chosen from: the rollout's reason for their release.
  const std::map<int64_t, std::string> notes = ReleaseNotes(s.decision);
  std::vector<const tuf::VariantTarget*> others;
  for (const tuf::VariantTarget& t : in.targets) {
    if (!tried.count(t.release)) others.push_back(&t);
  }
  std::sort(others.begin(), others.end(), [](const auto* a, const auto* b) {
    return a->release != b->release ? a->release > b->release : Preferred(*a, *b);
  });
  for (const tuf::VariantTarget* t : others) {
    auto note = notes.find(t->release);
    std::string why = note == notes.end() ? "not the release the rollout decided" : note->second;
    s.lines.push_back(LineOf(*t, false, StrCat("release ", t->release, " not taken: ", why)));
  }

  if (s.found) {
    s.status = StrCat("take ", s.variant, " of release ", s.release, " (", s.decision.why, ")");
  } else if (s.decision.release == 0 && judged.empty()) {
    s.status = StrCat("no release: ", s.decision.why);
  } else {
    SetNoMatch(judged, judged_release, &s);
  }
  return s;
}

std::string FormatTable(const Selection& s) {
  std::ostringstream out;
  out << "release  variant               backend  precision     priority  decision\n";
  for (const VariantLine& l : s.lines) {
    std::string row = StrCat(l.release);
    row.resize(9, ' ');
    row += l.variant;
    row.resize(std::max<size_t>(row.size() + 1, 31), ' ');
    row += l.backend;
    row.resize(std::max<size_t>(row.size() + 1, 40), ' ');
    row += l.precision;
    row.resize(std::max<size_t>(row.size() + 1, 54), ' ');
    row += StrCat(l.priority);
    row.resize(std::max<size_t>(row.size() + 1, 64), ' ');
    out << row << (l.taken ? "TAKEN: " : "rejected: ") << l.reason << "\n";
  }
  out << "rollout: " << s.decision.why << "\n";
  out << (s.found ? "chosen: " : "no match: ") << s.status << "\n";
  return out.str();
}

}  // namespace mota::select
