// The SQLite wrapper: WAL on, schema versions applied once, transactions roll back unless
// committed, errors name the SQL.
#include "server/storage/sqlite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/test_dir.h"

namespace mota::server::storage {
namespace {

namespace fs = std::filesystem;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_sqlite");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path() const { return (dir_ / "t.db").string(); }
  fs::path dir_;
};

int64_t Count(Database& db) {
  Statement s = db.Prepare("SELECT COUNT(*) FROM t").value();
  EXPECT_TRUE(s.Step().value());
  return s.ColumnInt(0);
}

TEST_F(SqliteTest, schema_steps_apply_once_and_a_newer_file_is_refused) {
  const std::vector<std::string> v1 = {"CREATE TABLE t (a INTEGER NOT NULL, b TEXT)"};
  {
    Result<Database> db = Database::Open(Path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(db->Migrate(v1).ok());
    ASSERT_TRUE(db->Migrate(v1).ok()) << "second run must not re-create the table";
    EXPECT_EQ(db->SchemaVersion().value(), 1);
    ASSERT_TRUE(db->Migrate({v1[0], "ALTER TABLE t ADD COLUMN c INTEGER"}).ok());
    EXPECT_EQ(db->SchemaVersion().value(), 2);
  }
  Database db = Database::Open(Path()).value();
  Status s = db.Migrate(v1);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("schema version 2, newer than this server's 1"), std::string::npos)
      << s.message();
}

TEST_F(SqliteTest, uncommitted_transaction_is_rolled_back) {
  Database db = Database::Open(Path()).value();
  ASSERT_TRUE(db.Migrate({"CREATE TABLE t (a INTEGER NOT NULL, b TEXT)"}).ok());
  Statement insert = db.Prepare("INSERT INTO t (a, b) VALUES (?1, ?2)").value();
  {
    Transaction tx = Transaction::Begin(db).value();
    ASSERT_TRUE(insert.BindAll(int64_t{1}, std::string_view("x")).ok());
    ASSERT_TRUE(insert.Run().ok());
  }
  EXPECT_EQ(Count(db), 0);
  {
    Transaction tx = Transaction::Begin(db).value();
    ASSERT_TRUE(insert.BindAll(int64_t{2}, std::nullopt).ok());
    ASSERT_TRUE(insert.Run().ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_EQ(Count(db), 1);
  Statement select = db.Prepare("SELECT a, b FROM t").value();
  ASSERT_TRUE(select.Step().value());
  EXPECT_EQ(select.ColumnInt(0), 2);
  EXPECT_TRUE(select.ColumnIsNull(1));
}

TEST_F(SqliteTest, database_is_in_wal_mode_and_errors_name_the_sql) {
  Database db = Database::Open(Path()).value();
  Statement mode = db.Prepare("PRAGMA journal_mode").value();
  ASSERT_TRUE(mode.Step().value());
  EXPECT_EQ(mode.ColumnText(0), "wal");
  Result<Statement> bad = db.Prepare("SELEKT 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("SELEKT"), std::string::npos) << bad.status().message();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (a INTEGER NOT NULL)").ok());
  Statement insert = db.Prepare("INSERT INTO t (a) VALUES (?1)").value();
  Status s = insert.Run();  // ?1 unbound: NULL into NOT NULL
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("NOT NULL"), std::string::npos) << s.message();
}

TEST_F(SqliteTest, missing_file_without_create_is_an_error_naming_it) {
  Result<Database> db = Database::Open(Path(), {.create = false});
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find(Path()), std::string::npos) << db.status().message();
}

}  // namespace
}  // namespace mota::server::storage
