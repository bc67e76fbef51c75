#include "server/storage/sqlite.h"

#include <sqlite3.h>

namespace mota::server::storage {
namespace {

std::string Short(std::string_view sql) {
  std::string s(sql.substr(0, 80));
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > 80 ? s + "..." : s;
}

Status Error(sqlite3* db, int rc, std::string_view what) {
  const StatusCode code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)      ? StatusCode::kUnavailable
                          : (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? StatusCode::kDataLoss
                                                                          : StatusCode::kIoError;
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Status(code, StrCat("sqlite: ", what, ": ", message, " (code ", rc, ")"));
}

}  // namespace

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Result<Database> Database::Open(const std::string& path, const DatabaseOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw, path);  // closes `raw` on every path below
  if (rc != SQLITE_OK) return Error(raw, rc, StrCat("open ", path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  // WAL must be confirmed: a file on a file system without shared memory silently stays in
  // rollback mode, which the server's concurrency assumptions do not cover.
  MOTA_ASSIGN_OR_RETURN(Statement wal, db.Prepare("PRAGMA journal_mode=WAL"));
  MOTA_ASSIGN_OR_RETURN(bool row, wal.Step());
  if (!row || wal.ColumnText(0) != "wal") {
    return IoError("sqlite: ", path, ": journal_mode is '", row ? wal.ColumnText(0) : "",
                   "', expected 'wal'");
  }
  MOTA_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

Status Database::Exec(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return Status::Ok();
  Status s = Error(db_.get(), rc, Short(sql));
  sqlite3_free(message);
  return s;
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(db_.get(), rc, StrCat("prepare ", Short(sql)));
  if (stmt == nullptr) return InvalidArgument("sqlite: prepare: no statement in '", sql, "'");
  return Statement(stmt, db_.get());
}

Result<int64_t> Database::SchemaVersion() {
  MOTA_ASSIGN_OR_RETURN(Statement s, Prepare("PRAGMA user_version"));
  MOTA_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Internal("sqlite: PRAGMA user_version returned no row");
  return s.ColumnInt(0);
}

Status Database::Migrate(const std::vector<std::string>& steps) {
  MOTA_ASSIGN_OR_RETURN(int64_t version, SchemaVersion());
  if (version > static_cast<int64_t>(steps.size())) {
    return FailedPrecondition("sqlite: ", path_, " has schema version ", version,
                              ", newer than this server's ", steps.size(),
                              ": run the newer server or restore a backup");
  }
  for (size_t i = static_cast<size_t>(version); i < steps.size(); ++i) {
    MOTA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*this));
    Status s = Exec(steps[i]);
    if (!s.ok()) return s.WithContext(StrCat("schema step ", i + 1));
    MOTA_RETURN_IF_ERROR(Exec(StrCat("PRAGMA user_version=", i + 1)));
    MOTA_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
int64_t Database::Changes() const { return sqlite3_changes64(db_.get()); }

Status Statement::Check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK) return Status::Ok();
  return Error(db_, rc, StrCat(what, " in ", Short(sqlite3_sql(stmt_.get()))));
}

Status Statement::Bind(int index, int64_t value) {
  return Check(sqlite3_bind_int64(stmt_.get(), index, value), StrCat("bind ?", index));
}
Status Statement::Bind(int index, double value) {
  return Check(sqlite3_bind_double(stmt_.get(), index, value), StrCat("bind ?", index));
}
Status Statement::Bind(int index, std::string_view text) {
  return Check(sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8),
               StrCat("bind ?", index));
}
Status Statement::Bind(int index, std::nullopt_t) {
  return Check(sqlite3_bind_null(stmt_.get(), index), StrCat("bind ?", index));
}
Status Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : Bind(index, std::nullopt);
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = Check(rc, "step");
  sqlite3_reset(stmt_.get());
  return s;
}

Status Statement::Run() {
  Result<bool> row = Step();
  while (row.ok() && row.value()) row = Step();
  Reset();
  return row.status();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
double Statement::ColumnDouble(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}
std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), n);
}
bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<Transaction> Transaction::Begin(Database& db) {
  MOTA_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) db_->Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Commit() {
  if (db_ == nullptr) return FailedPrecondition("sqlite: transaction already finished");
  Database* db = db_;
  MOTA_RETURN_IF_ERROR(db->Exec("COMMIT"));
  db_ = nullptr;
  return Status::Ok();
}

}  // namespace mota::server::storage
