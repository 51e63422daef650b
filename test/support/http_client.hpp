#pragma once
// A deliberately independent HTTP/1.1 client over plain sockets (no Beast), so e2e tests exercise the
// server the way curl would. Loopback only.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coupon::test {

struct HttpReply {
    int status = 0;                              // 0: no answer (connection failed or closed)
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& name) const;
};

struct HttpCall {
    std::string method = "GET";
    std::string target = "/";
    std::string body;
    std::map<std::string, std::string> headers;
};

// Serialises a call (Host, Content-Length, Connection: close added).
std::string to_wire(const HttpCall& call);

// One request on a new connection; waits at most timeout_ms for the whole answer.
HttpReply http(std::uint16_t port, const HttpCall& call, int timeout_ms = 15000);
// Sends raw bytes and reads one answer (for malformed requests).
HttpReply http_raw(std::uint16_t port, const std::string& bytes, int timeout_ms = 15000);

// Opens one connection per call, writes every request before reading any answer (all in flight at once),
// then collects the answers. Raises the process's open-file limit as needed.
std::vector<HttpReply> http_all_at_once(std::uint16_t port, const std::vector<HttpCall>& calls, int timeout_ms = 60000);

}  // namespace coupon::test
