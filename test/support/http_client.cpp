#include "http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace coupon::test {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool write_all(int fd, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Parses a complete answer from `buf` if there is one (Content-Length framing; the server always sets it).
bool parse_reply(const std::string& buf, bool eof, HttpReply& out) {
    const auto head_end = buf.find("\r\n\r\n");
    if (head_end == std::string::npos) return false;
    HttpReply reply;
    std::size_t line_end = buf.find("\r\n");
    const std::string status_line = buf.substr(0, line_end);
    const auto sp = status_line.find(' ');
    if (sp == std::string::npos) return false;
    reply.status = std::atoi(status_line.c_str() + sp + 1);
    std::size_t pos = line_end + 2;
    while (pos < head_end) {
        const auto end = buf.find("\r\n", pos);
        const std::string line = buf.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            reply.headers[lower(line.substr(0, colon))] = value;
        }
        pos = end + 2;
    }
    const std::size_t body_start = head_end + 4;
    if (auto it = reply.headers.find("content-length"); it != reply.headers.end()) {
        const auto length = static_cast<std::size_t>(std::stoul(it->second));
        if (buf.size() < body_start + length) return false;
        reply.body = buf.substr(body_start, length);
    } else {
        if (!eof) return false;
        reply.body = buf.substr(body_start);
    }
    out = std::move(reply);
    return true;
}

void raise_fd_limit(std::size_t wanted) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_cur >= wanted) return;
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, wanted);
    ::setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string{} : it->second;
}

std::string to_wire(const HttpCall& call) {
    std::string out = call.method + " " + call.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : call.headers) out += k + ": " + v + "\r\n";
    if (!call.body.empty() || call.method == "POST") {
        if (!call.headers.contains("Content-Type")) out += "Content-Type: application/json\r\n";
        out += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
    }
    out += "\r\n" + call.body;
    return out;
}

HttpReply http(std::uint16_t port, const HttpCall& call, int timeout_ms) {
    return http_raw(port, to_wire(call), timeout_ms);
}

HttpReply http_raw(std::uint16_t port, const std::string& bytes, int timeout_ms) {
    const int fd = connect_loopback(port);
    if (fd < 0) return {};
    HttpReply reply;
    if (write_all(fd, bytes)) {
        std::string buf;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        char chunk[16384];
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                parse_reply(buf, true, reply);
                break;
            }
            buf.append(chunk, static_cast<std::size_t>(n));
            if (parse_reply(buf, false, reply)) break;
        }
    }
    ::close(fd);
    return reply;
}

std::vector<HttpReply> http_all_at_once(std::uint16_t port, const std::vector<HttpCall>& calls, int timeout_ms) {
    raise_fd_limit(calls.size() + 256);
    std::vector<int> fds(calls.size(), -1);
    std::vector<std::string> bufs(calls.size());
    std::vector<HttpReply> replies(calls.size());
    std::vector<bool> done(calls.size(), false);
    for (std::size_t i = 0; i < calls.size(); ++i) {
        fds[i] = connect_loopback(port);
        if (fds[i] < 0) done[i] = true;
    }
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (fds[i] >= 0 && !write_all(fds[i], to_wire(calls[i]))) done[i] = true;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char chunk[16384];
    while (std::chrono::steady_clock::now() < deadline) {
        std::vector<pollfd> polls;
        std::vector<std::size_t> index;
        for (std::size_t i = 0; i < calls.size(); ++i) {
            if (!done[i]) {
                polls.push_back({fds[i], POLLIN, 0});
                index.push_back(i);
            }
        }
        if (polls.empty()) break;
        if (::poll(polls.data(), polls.size(), 200) < 0) break;
        for (std::size_t k = 0; k < polls.size(); ++k) {
            if (polls[k].revents == 0) continue;
            const std::size_t i = index[k];
            const ssize_t n = ::recv(fds[i], chunk, sizeof chunk, 0);
            if (n <= 0) {
                parse_reply(bufs[i], true, replies[i]);
                done[i] = true;
                continue;
            }
            bufs[i].append(chunk, static_cast<std::size_t>(n));
            if (parse_reply(bufs[i], false, replies[i])) done[i] = true;
        }
    }
    for (int fd : fds) {
        if (fd >= 0) ::close(fd);
    }
    return replies;
}

}  // namespace coupon::test
