#pragma once
// The open Server-Sent Event streams of the API and the one thread that feeds them (docs/request-states.md,
// "Live outcomes"). Bounded: at most max_streams open (open() refuses more), each for at most `lifetime`.
//
// Every tick (250 ms, or at once on wake()) the ticker asks each stream's feed what to send; a feed writes
// only what changed, so a client gets a few events a second at most. The ticker may block on what a feed
// reads (a broker round trip for the queue's progress, shared by all streams); the I/O threads never do.
// A stream's slot is given back when its body closes, for whatever reason (the client left, the feed ended
// it, the lifetime ran out, the server stopped): the open-stream gauge coupon_http_event_streams counts them.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "coupon/http/stream_body.hpp"

namespace coupon::http {

// What one stream sends. tick() runs on the ticker thread only (never concurrently with itself).
class EventFeed {
public:
    virtual ~EventFeed() = default;
    // Writes what changed since the last tick; false once it ended the stream (body.end()).
    virtual bool tick(StreamBody& body) = 0;
};

// One event in the text/event-stream format: "event: <name>\ndata: <json>\n\n".
std::string sse_event(std::string_view name, std::string_view json);

class EventStreams {
public:
    struct Limits {
        std::size_t max_streams = 1000;
        std::chrono::milliseconds lifetime{600'000};
        std::chrono::milliseconds tick{250};
        std::chrono::milliseconds heartbeat{15'000};  // a comment line, so proxies keep an idle stream open
    };

    explicit EventStreams(Limits limits);
    ~EventStreams();  // stop()
    EventStreams(const EventStreams&) = delete;
    EventStreams& operator=(const EventStreams&) = delete;

    // A body holding one slot, or null when max_streams are open (the caller answers 503 EVENT_STREAMS_FULL).
    std::shared_ptr<StreamBody> open();
    // Ticks `feed` (first at once) until it ends the stream, the body closes or expires, or the lifetime is over.
    void add(const std::shared_ptr<StreamBody>& body, std::shared_ptr<EventFeed> feed);
    // Runs the next tick now (an outcome arrived).
    void wake();
    // Ends every stream and joins the ticker. Idempotent.
    void stop();

    std::size_t open_count() const;
    std::size_t max_streams() const { return limits_.max_streams; }

private:
    struct Entry {
        std::weak_ptr<StreamBody> body;
        std::shared_ptr<EventFeed> feed;
        std::chrono::steady_clock::time_point until;
        std::chrono::steady_clock::time_point heartbeat_at;
    };
    struct Slots;
    void run();

    const Limits limits_;
    std::shared_ptr<Slots> slots_;  // shared with the bodies' close callbacks, which may outlive this
    std::mutex mutex_;
    std::condition_variable wake_;
    bool woken_ = false;
    bool stopping_ = false;
    std::vector<Entry> added_;  // handed to the ticker at its next tick
    std::thread ticker_;
};

}  // namespace coupon::http
