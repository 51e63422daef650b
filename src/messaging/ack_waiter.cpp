#include "ack_waiter.hpp"

#include <condition_variable>
#include <mutex>

#include "coupon/base/log.hpp"

namespace coupon::messaging {

struct AckWaiter::State {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t outstanding = 0;  // every record counted in and not out, in a group or not
    std::uint64_t acks = 0;       // records counted out so far: a waiter's "something happened"
    std::function<void()> on_group_done;

    // `error` empty: stored.
    void count_out(Group* group, std::size_t index, const std::string& error) {
        bool group_done = false;
        {
            std::lock_guard lock(mutex);
            if (group) {
                if (!error.empty()) {
                    group->failed.push_back(index);
                    if (group->first_error.empty()) group->first_error = error;
                }
                group_done = --group->outstanding == 0;
            }
            --outstanding;
            ++acks;
        }
        changed.notify_all();
        if (group_done && on_group_done) on_group_done();
    }
};

AckWaiter::AckWaiter(std::function<void()> on_group_done) : state_(std::make_shared<State>()) {
    state_->on_group_done = std::move(on_group_done);
}

Producer::OnReport AckWaiter::expect(const std::shared_ptr<Group>& group, std::size_t index, Then then) const {
    {
        std::lock_guard lock(state_->mutex);
        if (group) ++group->outstanding;
        ++state_->outstanding;
    }
    return [state = state_, group, index, then = std::move(then)](const Producer::Report& report) {
        if (then) {
            try {
                then(report);
            } catch (const std::exception& e) {
                log::error("kafka", "delivery callback threw: {}", e.what());
            } catch (...) {
                log::error("kafka", "delivery callback threw");
            }
        }
        state->count_out(group.get(), index,
                         report.err == RD_KAFKA_RESP_ERR_NO_ERROR
                             ? std::string()
                             : std::string(rd_kafka_err2name(report.err)) + ": " + report.reason);
    };
}

void AckWaiter::refused(const std::shared_ptr<Group>& group, std::size_t index, const std::string& error) const {
    state_->count_out(group.get(), index, error.empty() ? std::string("not enqueued") : error);
}

AckWaiter::Progress AckWaiter::progress(const Group& group) const {
    std::lock_guard lock(state_->mutex);
    return {group.outstanding, group.failed.size()};
}

std::size_t AckWaiter::take_failed(Group& group, std::vector<std::size_t>& into, std::string& first_error) const {
    std::lock_guard lock(state_->mutex);
    if (group.outstanding > 0 || group.failed.empty()) return 0;
    const std::size_t n = group.failed.size();
    into.insert(into.end(), group.failed.begin(), group.failed.end());
    if (first_error.empty()) first_error = group.first_error;
    group.failed.clear();
    group.first_error.clear();
    return n;
}

std::string AckWaiter::first_error(const Group& group) const {
    std::lock_guard lock(state_->mutex);
    return group.first_error;
}

std::size_t AckWaiter::outstanding() const {
    std::lock_guard lock(state_->mutex);
    return state_->outstanding;
}

bool AckWaiter::wait(const Group& group, std::chrono::milliseconds within) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, within, [&] { return group.outstanding == 0; });
}

bool AckWaiter::wait_all(std::chrono::milliseconds within) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, within, [&] { return state_->outstanding == 0; });
}

bool AckWaiter::wait_until(const std::function<bool()>& ready, std::chrono::milliseconds within) const {
    // A real bound on a real condition variable: the acknowledgements come from a real broker.
    const auto until = std::chrono::steady_clock::now() + within;
    std::unique_lock lock(state_->mutex);
    for (;;) {
        const std::uint64_t seen = state_->acks;
        lock.unlock();
        if (ready()) return true;
        lock.lock();
        // An acknowledgement between ready() and here bumped `acks`: the wait returns at once, nothing is missed.
        if (!state_->changed.wait_until(lock, until, [&] { return state_->acks != seen; })) {
            lock.unlock();
            return ready();
        }
    }
}

}  // namespace coupon::messaging
