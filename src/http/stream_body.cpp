#include "coupon/http/stream_body.hpp"

#include <exception>
#include <utility>

#include "coupon/base/log.hpp"

namespace coupon::http {

StreamBody::~StreamBody() { close(); }

void StreamBody::on_close(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    on_close_ = std::move(fn);
}

bool StreamBody::write(std::string text) {
    std::function<void()> wake;
    bool overflow = false;
    {
        std::lock_guard lock(mutex_);
        if (ended_ || closed_) return false;
        if (queued_.size() + text.size() > kMaxQueuedBytes) {
            overflow = true;
        } else {
            queued_ += text;
            wake = wake_;
        }
    }
    if (overflow) {
        log::debug("http", "closing an event stream: its client does not read ({} bytes waiting)", kMaxQueuedBytes);
        close();
        return false;
    }
    if (wake) wake();
    return true;
}

void StreamBody::end() {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (ended_ || closed_) return;
        ended_ = true;
        wake = wake_;
    }
    finish(true);
    if (wake) wake();
}

bool StreamBody::finished() const {
    std::lock_guard lock(mutex_);
    return ended_ || closed_;
}

void StreamBody::attach(std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

StreamBody::Taken StreamBody::take() {
    std::lock_guard lock(mutex_);
    Taken taken;
    if (closed_) return taken;
    taken.text.swap(queued_);
    taken.last = ended_;
    return taken;
}

void StreamBody::close() {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        queued_.clear();
        wake = std::move(wake_);  // the connection is going away: nothing to schedule any more
    }
    finish(false);
}

void StreamBody::finish(bool ended) {
    std::function<void()> fn;
    {
        std::lock_guard lock(mutex_);
        if (notified_) return;
        notified_ = true;
        fn = std::move(on_close_);
    }
    if (!fn) return;
    try {
        fn();
    } catch (const std::exception& e) {
        log::error("http", "closing an event stream ({}) failed: {}", ended ? "ended" : "closed", e.what());
    }
}

}  // namespace coupon::http
