// Publishing through the server, written as the attacks and failures it must withstand.
#include "server/repository/publish.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "manifests/lib/tuf_sign/sign.h"
#include "server/repository/blob_store.h"
#include "server/repository/publish_test_util.h"
#include "server/repository/repo_state.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository {
namespace {

namespace fs = std::filesystem;
using namespace testing;  // NOLINT

// Every file under the repository (name -> bytes), dot files (the lock) excluded.
std::map<std::string, std::string> Tree(const std::string& repo) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(repo)) {
    if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
    files[fs::relative(e.path(), repo).string()] =
        storage::ReadFileToString(e.path().string()).value();
  }
  return files;
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = FreshDir("publish");
    InitRepo(repo_, keys_);
    chunks_ = {MakeChunk(std::string(3000, 'a') + "weights-1"), MakeChunk("tail-1")};
  }
  void TearDown() override { fs::remove_all(repo_); }

  void Upload(const std::vector<Chunk>& chunks) {
    for (const Chunk& c : chunks) ASSERT_TRUE(PutBlob(repo_, c.name, c.frame).ok());
  }
  ReleaseSpec First() const { return {.chunks = chunks_, .targets_version = 2}; }
  // Publishes release 1 of "demo" with its delegation; returns the published role.
  tuf::Targets PublishFirst(Publisher& p) {
    Upload(chunks_);
    Result<PublishResult> r = p.Publish(MakeRequest(keys_, First()), kNow);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return LoadRepoState(repo_, {.now = kNow}).value().models.at("demo");
  }

  TestKeys keys_ = TestKeys::Make();
  std::string repo_;
  std::vector<Chunk> chunks_;
};

TEST_F(PublishTest, published_release_is_visible_and_verifies_like_a_client_sees_it) {
  Publisher p(repo_, keys_.Online());
  Upload(chunks_);
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, First()), kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->release, 1);
  EXPECT_EQ(r->snapshot_version, 2);
  EXPECT_EQ(r->timestamp_version, 2);
  Result<RepoState> s =
      LoadRepoState(repo_, {.now = kNow, .check_expiry = true, .check_target_files = true});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->models.at("demo").targets.size(), 1u);
  EXPECT_EQ(s->targets.version, 2);
}

TEST_F(PublishTest, targets_signed_by_undelegated_key_is_rejected) {
  Publisher p(repo_, keys_.Online());
  Upload(chunks_);
  ReleaseSpec spec = First();
  spec.role_signer = &keys_.stranger;  // not the key targets.json delegates "demo" to
  const auto before = Tree(repo_);
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, spec), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed);
  EXPECT_NE(r.status().message().find("demo.json"), std::string::npos) << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, targets_json_not_signed_by_the_targets_key_is_rejected) {
  Publisher p(repo_, keys_.Online());
  Upload(chunks_);
  PublishRequest req = MakeRequest(keys_, First());
  // The team tries to delegate to itself: its own signature on targets.json does not count.
  req.targets_metadata =
      tuf::SignEnvelope(tuf::ParseEnvelope(req.targets_metadata, "t").value().signed_json,
                        {&keys_.team})
          .value();
  const auto before = Tree(repo_);
  Result<PublishResult> r = p.Publish(req, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed) << r.status().message();
  EXPECT_NE(r.status().message().find("targets.json"), std::string::npos);
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, blob_whose_bytes_do_not_match_its_hash_is_not_stored) {
  const Chunk good = MakeChunk("the real chunk");
  const Chunk other = MakeChunk("other bytes");
  Result<bool> r = PutBlob(repo_, good.name, other.frame);  // valid zstd, wrong content
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed);
  EXPECT_NE(r.status().message().find(other.name), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(BlobPath(repo_, good.name)));
  Result<bool> raw = PutBlob(repo_, good.name, good.content);  // not a zstd frame at all
  EXPECT_FALSE(raw.ok());
  EXPECT_FALSE(fs::exists(BlobPath(repo_, good.name)));
  EXPECT_FALSE(PutBlob(repo_, "../../etc/passwd", good.frame).ok());
  EXPECT_TRUE(fs::is_empty(repo_ + "/blobs"));
  ASSERT_TRUE(PutBlob(repo_, good.name, good.frame).ok());
  EXPECT_EQ(MissingBlobs(repo_, {good.name, other.name}).value(),
            std::vector<std::string>{other.name});
}

TEST_F(PublishTest, publish_referencing_missing_chunk_is_rejected_and_nothing_changes) {
  Publisher p(repo_, keys_.Online());
  Upload({chunks_[0]});  // chunks_[1] never uploaded
  const auto before = Tree(repo_);
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, First()), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find(chunks_[1].name), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("chunks[1]"), std::string::npos) << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, target_file_whose_bytes_differ_from_its_metadata_is_rejected) {
  Publisher p(repo_, keys_.Online());
  Upload(chunks_);
  PublishRequest req = MakeRequest(keys_, First());
  req.target_files.begin()->second = MakeIndex({chunks_[0]});  // another valid index
  const auto before = Tree(repo_);
  Result<PublishResult> r = p.Publish(req, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed);
  EXPECT_NE(r.status().message().find("models/demo/cpu-fp32.r1.json"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, release_number_that_does_not_increase_is_rejected) {
  Publisher p(repo_, keys_.Online());
  const tuf::Targets published = PublishFirst(p);
  const auto before = Tree(repo_);
  // Role version 2 (increases), but release 1 again under another variant name.
  ReleaseSpec again{.variants = {"cpu-fp16"}, .chunks = chunks_, .role_version = 2};
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, again, published), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("release 2 or more"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
  // Dropping release 1 from the listing does not make its number free again.
  again.release = 1;
  Result<PublishResult> dropped = p.Publish(MakeRequest(keys_, again), kNow);
  EXPECT_FALSE(dropped.ok());
  EXPECT_EQ(Tree(repo_), before);
  again.release = 2;
  Result<PublishResult> next = p.Publish(MakeRequest(keys_, again, published), kNow);
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->release, 2);
}

TEST_F(PublishTest, role_version_that_does_not_increase_is_rejected) {
  Publisher p(repo_, keys_.Online());
  const tuf::Targets published = PublishFirst(p);
  const auto before = Tree(repo_);
  ReleaseSpec replay{.release = 2, .chunks = chunks_, .role_version = 1};
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, replay, published), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("version 1 does not increase"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, published_target_may_only_change_by_being_revoked) {
  Publisher p(repo_, keys_.Online());
  tuf::Targets role = PublishFirst(p);
  role.targets.begin()->second.custom.value()["priority"] = 999;
  ReleaseSpec none{.variants = {}, .role_version = 2};
  EXPECT_FALSE(p.Publish(MakeRequest(keys_, none, role), kNow).ok());
  role.targets.begin()->second.custom.value()["priority"] = 0;
  role.targets.begin()->second.custom.value()["revoked"] = true;
  Result<PublishResult> revoked = p.Publish(MakeRequest(keys_, none, role), kNow);
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  EXPECT_EQ(revoked->new_targets, 0u);
}

TEST_F(PublishTest, target_path_that_escapes_the_model_folder_is_rejected_and_nothing_written) {
  Publisher p(repo_, keys_.Online());
  Upload(chunks_);
  PublishRequest honest = MakeRequest(keys_, First());
  // The team signs a role listing ../ paths; the server must not write outside models/demo/.
  tuf::Envelope env = tuf::ParseEnvelope(honest.role_metadata, "role").value();
  tuf::Json role = env.signed_json;
  const std::string evil = "models/demo/../../metadata/evil.r1.json";
  role["targets"][evil] = role["targets"].begin().value();
  PublishRequest req = honest;
  req.role_metadata = tuf::SignEnvelope(role, {&keys_.team}).value();
  req.target_files[evil] = honest.target_files.begin()->second;
  const auto before = Tree(repo_);
  Result<PublishResult> r = p.Publish(req, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(evil), std::string::npos) << r.status().message();
  EXPECT_EQ(Tree(repo_), before);
}

TEST_F(PublishTest, crash_mid_publish_leaves_previous_state_valid) {
  const tuf::Targets published = [&] {
    Publisher first(repo_, keys_.Online());
    return PublishFirst(first);
  }();
  const RepoState old_state = LoadRepoState(repo_, {.now = kNow}).value();
  const Chunk fresh = MakeChunk("release two");
  Upload({fresh});
  const ReleaseSpec two{
      .release = 2, .chunks = {chunks_[0], fresh}, .role_version = 2, .targets_version = 3};
  // The publish writes 1 target file, the role, targets.json, the snapshot and the timestamp.
  for (int crash_at = 0; crash_at < 5; ++crash_at) {
    Publisher crashing(repo_, keys_.Online(), {.fail_before_file = crash_at});
    ASSERT_FALSE(crashing.Publish(MakeRequest(keys_, two, published), kNow).ok());
    Result<RepoState> s = LoadRepoState(repo_, {.now = kNow, .check_target_files = true});
    ASSERT_TRUE(s.ok()) << "crash before file " << crash_at << ": " << s.status().message();
    EXPECT_EQ(s->files, old_state.files) << "crash before file " << crash_at;
  }
  // The leftovers (unreferenced) do not block the next publish.
  Publisher p(repo_, keys_.Online());
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, two, published), kNow);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(LoadRepoState(repo_, {.now = kNow, .check_target_files = true})
                ->models.at("demo")
                .targets.size(),
            2u);
}

TEST_F(PublishTest, concurrent_readers_see_old_or_new_complete_state) {
  Publisher p(repo_, keys_.Online());
  tuf::Targets role = PublishFirst(p);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        Result<RepoState> s = LoadRepoState(repo_, {.now = kNow, .check_target_files = true});
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.status().message();
        }
        // Complete: the snapshot lists exactly the role version that was read.
        else if (s->snapshot.meta.at("demo.json").version != s->models.at("demo").version) {
          ++failures;
        }
        ++reads;
      }
    });
  }
  for (int release = 2; release <= 12; ++release) {
    const Chunk c = MakeChunk("release " + std::to_string(release));
    Upload({c});
    ReleaseSpec spec{.release = release, .chunks = {c}, .role_version = release};
    ASSERT_TRUE(p.Publish(MakeRequest(keys_, spec, role), kNow).ok());
    role = LoadRepoState(repo_, {.now = kNow}).value().models.at("demo");
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(reads, 0);
  EXPECT_EQ(role.targets.size(), 12u);
}

TEST_F(PublishTest, concurrent_publishes_of_one_version_let_exactly_one_win) {
  Publisher a(repo_, keys_.Online()), b(repo_, keys_.Online());  // two servers, one folder
  const tuf::Targets role = PublishFirst(a);
  const ReleaseSpec two{.release = 2, .chunks = chunks_, .role_version = 2};
  const PublishRequest req = MakeRequest(keys_, two, role);
  std::atomic<int> ok{0};
  std::thread t1([&] { ok += a.Publish(req, kNow).ok(); });
  std::thread t2([&] { ok += b.Publish(req, kNow).ok(); });
  t1.join();
  t2.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(LoadRepoState(repo_, {.now = kNow})->timestamp.version, 3);
}

TEST_F(PublishTest, server_started_with_a_key_the_root_does_not_list_refuses_to_sign) {
  Publisher p(repo_, {keys_.stranger, keys_.timestamp});
  Upload(chunks_);
  Result<PublishResult> r = p.Publish(MakeRequest(keys_, First()), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("snapshot key"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace mota::server::repository
