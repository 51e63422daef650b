#pragma once
// The HTTP/1.1 listener and its connections (Boost.Beast, kept entirely in http_server.cpp).
//
// One io_context per thread; one acceptor hands new connections to the threads in turn. Each connection
// reads a request (header_limit -> 431, body_limit -> 413, malformed -> 400, read/idle timeouts), hands a
// plain Request to the Router, writes the Response when the handler answers (from any thread), and keeps
// the connection alive when the client allows it.
#include <chrono>
#include <cstdint>
#include <memory>

#include "coupon/http/http_config.hpp"
#include "coupon/http/router.hpp"

namespace coupon::http {

class HttpServer {
public:
    HttpServer(HttpConfig config, Router router);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds, listens and starts the threads. Throws std::runtime_error("cannot bind ADDR:PORT: why").
    void start();
    // The bound port (useful with port 0); 0 before start().
    std::uint16_t port() const;
    // Stops accepting, closes idle connections, lets in-flight requests finish for up to
    // config.drain_timeout (or `drain`), then closes the rest and joins the threads. Idempotent.
    void stop();
    void stop(std::chrono::milliseconds drain);
    // Liveness: every I/O thread ran a posted no-op within `within` (none is blocked or busy for longer).
    // False before start() and after stop(). Thread-safe; blocks the caller for at most `within`.
    bool responsive(std::chrono::milliseconds within) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::http
