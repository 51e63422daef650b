#pragma once
// linger.ms that adapts (issue 7). librdkafka fixes linger.ms for a handle's life: the 10 ms that batch a
// flood well make every record of a trickle wait 10 ms, and at 64 connections that wait was a third of each
// answer. The governor counts the records produced in fixed windows: once a window reaches the busy rate the
// front end is busy, and stays so until `hold` has passed without a busy window (answers of a flood come back
// in bursts, one per database transaction, and the gaps between them must not count as quiet: 16% of a
// 1,000-connection run went the quiet way without the hold). A quiet front end's records go out at once
// (KafkaRequestSink sends them with a second, barely lingering producer); a busy one's wait for linger.ms.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace coupon::messaging {

class LingerGovernor {
public:
    using Clock = std::chrono::steady_clock;

    // busy_per_second 0: always linger (send_now is never true). busy_waiting 0: the waiters never count.
    explicit LingerGovernor(std::int64_t busy_per_second, std::int64_t busy_waiting = 0,
                            std::chrono::microseconds window = std::chrono::milliseconds(10),
                            std::chrono::microseconds hold = std::chrono::milliseconds(100));

    // One record produced at `now` (any thread) while `waiting` requests wait for their outcomes: true when
    // it should not wait for linger.ms.
    bool send_now(Clock::time_point now, std::int64_t waiting = 0);

private:
    std::int64_t busy_per_window_;
    std::int64_t busy_waiting_;
    std::int64_t window_us_;
    std::int64_t hold_us_;
    std::atomic<std::int64_t> window_start_us_{0};
    std::atomic<std::int64_t> in_window_{0};
    std::atomic<std::int64_t> busy_until_us_{0};
};

}  // namespace coupon::messaging
