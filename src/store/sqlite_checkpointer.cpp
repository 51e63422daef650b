#include "sqlite_checkpointer.hpp"

#include <soci/soci.h>

#include <exception>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::store {

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<soci::session> session)
    : session_(std::move(session)), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SqliteCheckpointer::run() {
    base::name_this_thread("db-checkpoint");
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kCheckpointPeriod, [this] { return stopping_; })) {
        lock.unlock();
        checkpoint_once();
        lock.lock();
    }
    lock.unlock();
    checkpoint_once();  // what the last batches wrote, so a restart starts from a short WAL
}

void SqliteCheckpointer::checkpoint_once() {
    try {
        int busy = 0, wal_frames = 0, copied = 0;
        *session_ << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(wal_frames), soci::into(copied);
        failures_logged_ = 0;
    } catch (const std::exception& e) {
        // A full disk or an I/O error: the writers checkpoint on their own past the backstop, and the error
        // shows on the issue path too. Said once per run of failures, not ten times a second.
        if (failures_logged_++ == 0) log::warn("store", "SQLite WAL checkpoint failed (retried every 100 ms): {}", e.what());
    }
}

}  // namespace coupon::store
