#pragma once
// What the HTTP front end needs from configuration (STYLE item 10): plain values with defaults. The app
// fills it from its own settings; nothing here reads files or the environment.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace coupon::http {

// Who may act for a user on the user routes (docs/auth.md). Keys arrive as text: the app reads the files.
struct AuthConfig {
    enum class Mode { None, Jwt, Header };
    Mode mode = Mode::None;
    std::string header;  // Header mode: the gateway's header holding the user id
    struct Jwt {
        std::string secret;      // HS256 key, or
        std::string public_key;  // a PEM public key: RSA -> RS256, EC P-256 -> ES256
        std::int64_t leeway_seconds = 30;
        std::string issuer;      // empty: not checked
        std::string audience;    // empty: not checked
        std::string user_claim = "sub";
        std::string admin_claim;  // empty: a JWT never opens the admin endpoints
    } jwt;
};

// Token buckets on POST /api/coupons/{userId} (docs/edge-limits.md). A limit is on when its rate is > 0.
struct EdgeLimitsConfig {
    struct Bucket {
        double rate = 0;          // tokens per second; 0: this limit is off
        std::int64_t burst = 0;   // the bucket's size, >= 1 when rate > 0
        bool on() const { return rate > 0; }
    };
    Bucket per_user;     // keyed by the path's userId (the authenticated user under auth.mode jwt|header)
    Bucket per_address;  // keyed by the TCP peer address
    std::size_t max_keys = 100'000;  // buckets kept per limit (about 40 bytes each); least recently used evicted
};

struct HttpConfig {
    std::string address = "0.0.0.0";
    std::uint16_t port = 8080;  // 0: an ephemeral port, see HttpServer::port()
    std::size_t threads = 2;    // one io_context per thread
    std::size_t body_limit = 16 * 1024;    // larger bodies get 413
    std::size_t header_limit = 8 * 1024;   // larger request heads get 431
    // A request must arrive whole within read_timeout (measured from its first byte, or from the accept
    // for a connection's first request), so a slow or stalled client cannot hold a connection.
    std::chrono::milliseconds read_timeout{10'000};
    // How long a keep-alive connection may sit idle between requests.
    std::chrono::milliseconds idle_timeout{60'000};
    // How long POST /api/coupons/{userId} waits for the outcome before answering 202; also the longest
    // it waits for the broker's acknowledgement (then 202 UNCONFIRMED, see docs/request-states.md).
    std::chrono::milliseconds issue_wait{3'000};
    // How long stop() lets in-flight requests finish before closing their connections.
    std::chrono::milliseconds drain_timeout{10'000};
    std::int64_t retry_after_seconds = 1;  // the Retry-After of 202 and 503 answers
    std::string admin_token;               // empty: admin endpoints are disabled (403)
    AuthConfig auth;
    EdgeLimitsConfig limits;
    std::size_t max_connections = 10'000;  // beyond it new connections get 503 and are closed
    // (user, policy) pairs known to hold a coupon, for 409 COUPON_ALREADY_ISSUED at the edge
    // (docs/edge-answers.md); about 50 bytes each; 0: off.
    std::size_t known_holders = 500'000;
    // Handlers that may block (every database read or write, /ready) run on a pool of their own, never
    // on an I/O thread. Beyond blocking_queue waiting jobs a request gets 503 SERVICE_BUSY at once.
    std::size_t blocking_threads = 4;
    std::size_t blocking_queue = 4096;  // about 1 KiB each (a GET): a burst of polls is served, not refused
    // Server-Sent Events (GET /api/coupon-requests/{id}/events, GET /api/coupon-policies/{id}/events): open
    // streams beyond max_event_streams get 503 EVENT_STREAMS_FULL; a stream ends after event_stream_lifetime
    // (the client may open another).
    std::size_t max_event_streams = 1000;
    std::chrono::milliseconds event_stream_lifetime{600'000};
};

}  // namespace coupon::http
