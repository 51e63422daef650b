#include "postgresql_connect.hpp"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "coupon/base/redact.hpp"

namespace coupon::store {
namespace {

PGconn* raw_connection(soci::session& sql) {
    auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
    return backend != nullptr ? backend->conn_ : nullptr;
}

PGconn* open_connection(soci::session& sql) {
    PGconn* conn = raw_connection(sql);
    if (conn == nullptr) throw std::runtime_error("PostgreSQL session is not open");
    return conn;
}

}  // namespace

std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0 || url.find("connect_timeout=") != std::string::npos) return url;
    // libpq counts whole seconds and treats 1 as 2: round up, and say 2 rather than pretend.
    const long long seconds = std::max<long long>(2, (timeout.count() + 999) / 1000);
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + std::to_string(seconds);
    }
    return url + " connect_timeout=" + std::to_string(seconds);
}

void open_postgresql(soci::session& sql, const PgSessionSettings& settings) {
    // reconnect() reuses this string, so a re-opened connection is bounded the same way.
    sql.open(*soci::factory_postgresql(), with_connect_timeout(settings.url, settings.connect_timeout));
    configure_postgresql(sql, settings);
}

void configure_postgresql(soci::session& sql, const PgSessionSettings& settings) {
    // A consumer blocked behind another node's long transaction gives up (StoreError, batch retried)
    // instead of hanging past its poll interval.
    sql << fmt::format("SET lock_timeout = '{}ms'", settings.lock_timeout.count());
    // Every statement ends within this, whatever it waits for on the server (a lock, I/O, a sleep); the
    // caller gets a StoreError and its pooled connection back.
    sql << fmt::format("SET statement_timeout = '{}ms'", settings.statement_timeout.count());
    // NOTICEs ("relation already exists, skipping") would go to stderr through libpq's default handler.
    sql << "SET client_min_messages = warning";
    // A prepared statement gets a plan for each execution's own arrays. After five executions PostgreSQL
    // may settle on a generic plan, and with the first batches small (a warm-up, a quiet start) the generic
    // plan of the batch statements joined the unnest of a batch against the whole coupon table: every batch
    // then scanned it, and scripts/bench 7-sync-pg fell from about 9,600 to 2,100 requests/s after a
    // two-second warm-up on another policy. Planning a batch statement costs well under a millisecond.
    sql << "SET plan_cache_mode = force_custom_plan";
}

bool postgresql_connected(soci::session& sql) {
    PGconn* conn = raw_connection(sql);
    return conn != nullptr && PQstatus(conn) == CONNECTION_OK;
}

void reconnect_postgresql(soci::session& sql, const PgSessionSettings& settings) {
    sql.reconnect();
    configure_postgresql(sql, settings);
}

void exec_postgresql_script(soci::session& sql, std::string_view script) {
    const std::string text(script);
    std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(open_connection(sql), text.c_str()), &PQclear);
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string message = PQerrorMessage(open_connection(sql));
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw std::runtime_error(fmt::format("{} [sqlstate {}]", message, state != nullptr ? state : "?"));
}

bool postgresql_transaction_failed(soci::session& sql) {
    return PQtransactionStatus(open_connection(sql)) == PQTRANS_INERROR;
}

std::string redact_database_url(const std::string& url) { return base::redact_url(url); }

}  // namespace coupon::store
