// A thin RAII wrapper over SQLite 3 for the update server's embedded store (telemetry, admin
// audit log). Every call returns a Status naming the SQL and SQLite's own message.
//
// Opening sets what a server needs: WAL (readers never block the writer), synchronous=FULL (a
// committed transaction survives power loss), foreign keys on, and a busy timeout so a second
// process or connection waits for the lock instead of failing at once. The schema is versioned
// with PRAGMA user_version: Migrate() applies the steps the file has not seen, each in its own
// transaction, and refuses a file written by a newer schema.
//
//   MOTA_ASSIGN_OR_RETURN(storage::Database db, storage::Database::Open(dir + "/server.db"));
//   MOTA_RETURN_IF_ERROR(db.Migrate({"CREATE TABLE t (a INTEGER NOT NULL)"}));
//   MOTA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
//   MOTA_ASSIGN_OR_RETURN(storage::Statement insert, db.Prepare("INSERT INTO t VALUES (?1)"));
//   MOTA_RETURN_IF_ERROR(insert.BindAll(int64_t{7}));
//   MOTA_RETURN_IF_ERROR(insert.Run());
//   MOTA_RETURN_IF_ERROR(tx.Commit());   // destroyed without Commit: rolled back
//
// A Database is one connection: use it from one thread at a time (callers hold a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/status/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mota::server::storage {

class Statement;

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  bool create = true;  // create the file when missing
};

class Database {
 public:
  static Result<Database> Open(const std::string& path, const DatabaseOptions& options = {});
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);

  // PRAGMA user_version: the schema version the file holds (0 for a new file).
  Result<int64_t> SchemaVersion();
  // Applies steps[v..] for a file at version v, each in a transaction that also sets
  // user_version = index + 1. FailedPrecondition when the file is newer than `steps`.
  Status Migrate(const std::vector<std::string>& steps);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;  // rows changed by the last statement
  sqlite3* handle() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// A prepared statement. Parameters are 1-based (?1, ?2, ...).
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Status Bind(int index, int64_t value);
  Status Bind(int index, double value);
  Status Bind(int index, std::string_view text);
  Status Bind(int index, std::nullopt_t);
  Status Bind(int index, const std::optional<int64_t>& value);
  // Binds every argument in order to ?1, ?2, ...
  template <typename... Args>
  Status BindAll(const Args&... args) {
    int index = 0;
    Status status;
    ((status.ok() ? (status = Bind(++index, args), 0) : 0), ...);
    return status;
  }

  // One step: true when a row is available (read it with Column*), false when done.
  Result<bool> Step();
  // Steps to the end (for INSERT/UPDATE/DELETE) and resets the statement for reuse.
  Status Run();
  // Back to the start with bindings cleared, ready for new parameters.
  void Reset();

  int64_t ColumnInt(int column) const;  // 0-based
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Status Check(int rc, std::string_view what) const;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;
};

// BEGIN IMMEDIATE on creation (takes the write lock now, so a conflict shows here and not at
// commit); ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace mota::server::storage
