#pragma once
// Leasing a pooled session, keeping it usable across a database restart, and writing in a transaction
// on it: shared by every pooled part of the store (the read side, the dead letters), for both backends;
// and rolling back an issue batch's transaction that did not commit.
#include <soci/connection-pool.h>
#include <soci/session.h>

#include <exception>
#include <functional>
#include <memory>
#include <string_view>

#include "coupon/base/log.hpp"
#include "store_errors.hpp"
#include "writer_turns.hpp"

namespace coupon::store {

// How a backend keeps pooled sessions usable after the server went away (PostgreSQL restart); both
// are no-ops for SQLite, whose "connection" is a file handle.
struct SessionKeeper {
    std::function<bool(soci::session&)> healthy;  // false once the connection is known to be broken
    std::function<void(soci::session&)> revive;   // reconnects and re-applies the session settings
};

// How a backend begins a write transaction (SQLite: BEGIN IMMEDIATE, so two writers never deadlock on
// a read-to-write upgrade; PostgreSQL: BEGIN) and whether one may still be open to roll back (SQLite
// may have rolled back on its own, a lost PostgreSQL connection has ended it). SQLite's writers take a
// turn first (writer_turns.hpp), held until the transaction ends; PostgreSQL's need none.
struct WriteStyle {
    std::function<void(soci::session&)> begin;
    std::function<bool(soci::session&)> may_roll_back;
    std::shared_ptr<WriterTurns> turns;  // null: no turns
};

// The writer's turn `style` asks for (none on PostgreSQL), held until the returned Turn goes: for a write
// outside in_write_transaction (an autocommit statement). Throws StoreError when it does not come in time.
inline WriterTurns::Turn take_turn(const WriteStyle& style) {
    return style.turns ? style.turns->take() : WriterTurns::Turn();
}

class PooledSessions {
public:
    // Every session of `pool` must already be open.
    PooledSessions(soci::connection_pool& pool, SessionKeeper keeper) : pool_(pool), keeper_(std::move(keeper)) {}

    // Leases a session (reviving it if an earlier call found it broken) and runs f(session). When f
    // fails because the connection broke and f may safely run twice, it runs once more on a fresh
    // connection, so the first read after a database restart does not fail. Throws StoreError.
    template <typename F>
    auto with_session(std::string_view what, bool idempotent, F&& f) {
        return guarded(what, [&] {
            soci::session sql(pool_);
            if (!keeper_.healthy(sql)) keeper_.revive(sql);
            try {
                return f(sql);
            } catch (...) {
                if (!idempotent || keeper_.healthy(sql)) throw;
            }
            keeper_.revive(sql);
            return f(sql);
        });
    }

private:
    soci::connection_pool& pool_;
    SessionKeeper keeper_;
};

// Runs f(sql) in a write transaction: commits, or rolls back and rethrows when f or the commit fails.
template <typename F>
auto in_write_transaction(soci::session& sql, const WriteStyle& style, F&& f) {
    // Released on return, after the commit or the rollback below.
    const auto turn = take_turn(style);
    style.begin(sql);
    try {
        auto result = f(sql);
        sql.commit();
        return result;
    } catch (...) {
        try {
            if (style.may_roll_back(sql)) sql.rollback();
        } catch (...) {  // the failure may already have ended the transaction; report the first error
        }
        throw;
    }
}

// Rolls back the transaction open on `sql` when destroyed before committed() was called: an issue
// batch's transaction, which its store begins and commits with statements of its own. Nothing is rolled
// back when `may_roll_back` says no transaction can be open any more; a failure is logged (a destructor).
class RollbackUnlessCommitted {
public:
    RollbackUnlessCommitted(soci::session& sql, bool (*may_roll_back)(soci::session&))
        : sql_(sql), may_roll_back_(may_roll_back) {}
    ~RollbackUnlessCommitted() {
        if (committed_) return;
        try {
            if (may_roll_back_(sql_)) sql_.rollback();
        } catch (const std::exception& e) {
            log::error("store", "rollback failed: {}", e.what());
        }
    }
    RollbackUnlessCommitted(const RollbackUnlessCommitted&) = delete;
    RollbackUnlessCommitted& operator=(const RollbackUnlessCommitted&) = delete;

    void committed() { committed_ = true; }

private:
    soci::session& sql_;
    bool (*may_roll_back_)(soci::session&);
    bool committed_ = false;
};

}  // namespace coupon::store
