#pragma once
// A small HTTP/1.1 client for the tests, with a timeout on every step (Beast stays in test_client.cpp).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace coupon::http::test {

using namespace std::chrono_literals;

struct Reply {
    int status = 0;  // 0: no answer (closed, reset, or timed out)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& lower_name) const;
};

using HeaderMap = std::map<std::string, std::string>;

// One client connection to 127.0.0.1:port, kept open across requests.
class Connection {
public:
    explicit Connection(std::uint16_t port);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Writes a request (Host and Content-Length added) and reads one answer.
    Reply request(const std::string& method, const std::string& target, const std::string& body = {},
                  const HeaderMap& headers = {}, std::chrono::milliseconds timeout = 5s);
    // Writes bytes as they are; returns false when the write failed.
    bool send_raw(const std::string& bytes, std::chrono::milliseconds timeout = 5s);
    // head: the answer to a HEAD request (headers only, whatever Content-Length says).
    Reply read_reply(std::chrono::milliseconds timeout = 5s, bool head = false);
    // True when the server closes the connection within `timeout` (reads and discards anything else).
    bool closed_within(std::chrono::milliseconds timeout);
    void close();
    // Closes with a TCP reset (SO_LINGER 0), like a client that crashed.
    void abort();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One request on a new connection.
Reply call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = {},
           const HeaderMap& headers = {}, std::chrono::milliseconds timeout = 5s);

}  // namespace coupon::http::test
