#pragma once
// The body of an answer that stays open (Server-Sent Events), as plain std so handlers never see Beast.
//
// The handler side writes text from any thread; the server sends it in order as it comes (chunked, or
// close-delimited to an HTTP/1.0 client) and closes the connection after the end. The server holds the body
// by shared_ptr while the connection is open; producers keep a weak_ptr, so a stream whose client left
// simply expires. on_close runs exactly once, at whichever comes first: end(), close() (the client left or
// the server stops) or destruction (the answer was never delivered): that is where a stream's resources
// (its slot) are given back.
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace coupon::http {

class StreamBody {
public:
    // Text waiting for a client that does not read; beyond it the stream is closed (put a limit on everything).
    static constexpr std::size_t kMaxQueuedBytes = 64 * 1024;

    StreamBody() = default;
    ~StreamBody();
    StreamBody(const StreamBody&) = delete;
    StreamBody& operator=(const StreamBody&) = delete;

    // Set once, before the body is handed out. Runs outside the body's lock.
    void on_close(std::function<void()> fn);

    // Queues text for the client; false (nothing queued) once ended or closed.
    bool write(std::string text);
    // Nothing more: the server sends what is queued and ends the answer. Idempotent.
    void end();
    // Ended, or closed by the server.
    bool finished() const;

    // The server's side. `wake` runs (on the writer's thread, no lock held) whenever text was queued or the
    // stream ended; it must only schedule the connection's work.
    void attach(std::function<void()> wake);
    struct Taken {
        std::string text;   // everything queued so far
        bool last = false;  // the stream has ended: nothing will follow
    };
    Taken take();
    // The client is gone or the server stops: later writes fail. Idempotent.
    void close();

private:
    void finish(bool ended);  // with the lock not held

    mutable std::mutex mutex_;
    std::string queued_;
    bool ended_ = false;   // end() called: send what is queued, then the end
    bool closed_ = false;  // close() called: nothing more is sent
    bool notified_ = false;
    std::function<void()> on_close_;
    std::function<void()> wake_;
};

}  // namespace coupon::http
