#pragma once
// Moves SQLite's WAL checkpoints off the consumer threads.
//
// By default the connection that commits past 1,000 WAL pages copies them back into the database file
// itself, fsync included, inside its commit: on the issue path that is a consumer thread, the one that
// decides a partition's requests. Measured with store_bench (batches of 500, every request issued): about
// 47k requests/s with those checkpoints, 57k without any. So every session of the store raises that
// threshold to kWriterCheckpointPages (a backstop, reached only if this thread falls behind), and this
// thread runs a PASSIVE checkpoint on a connection of its own every kCheckpointPeriod. PASSIVE never waits
// for a lock and never blocks a writer or a reader; what it cannot copy yet (frames a reader still needs)
// it copies next time.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace soci {
class session;
}

namespace coupon::store {

class SqliteCheckpointer {
public:
    // 16,384 pages of 4 KiB: the WAL may grow to about 64 MiB before a writer checkpoints on its own.
    static constexpr int kWriterCheckpointPages = 16'384;
    static constexpr std::chrono::milliseconds kCheckpointPeriod{100};

    // Takes a session of its own (open_sqlite) and starts the thread.
    explicit SqliteCheckpointer(std::unique_ptr<soci::session> session);
    ~SqliteCheckpointer();
    SqliteCheckpointer(const SqliteCheckpointer&) = delete;
    SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

private:
    void run();
    void checkpoint_once();

    std::unique_ptr<soci::session> session_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    int failures_logged_ = 0;
    std::thread thread_;
};

}  // namespace coupon::store
