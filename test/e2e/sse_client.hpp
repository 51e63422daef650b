#pragma once
// A Server-Sent Events client over a raw loopback socket (no Beast, no HTTP library): sends one GET, reads
// the head, then decodes the chunked (or close-delimited) body into events as they arrive, the way a
// browser's EventSource would. Single-threaded; every read has a deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace coupon::test {

struct SseEvent {
    std::string name;  // "message" when the event has no "event:" line
    std::string data;
};

class SseClient {
public:
    SseClient(std::uint16_t port, const std::string& target, std::chrono::milliseconds head_timeout = std::chrono::seconds(15)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
        if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
            throw std::runtime_error("send");
        }
        read_head(std::chrono::steady_clock::now() + head_timeout);
    }
    ~SseClient() { close(); }
    SseClient(const SseClient&) = delete;
    SseClient& operator=(const SseClient&) = delete;

    int status() const { return status_; }
    std::string header(const std::string& lower_name) const {
        auto it = headers_.find(lower_name);
        return it == headers_.end() ? std::string{} : it->second;
    }
    // The whole body of an answer that is not a stream (an error): Content-Length bytes, or until the end.
    std::string body(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            decode();
            if (ended_ || closed_ || !fill(deadline)) break;
        }
        decode();
        return text_;
    }

    // The next event; nullopt at the deadline or once the stream has ended (see ended()).
    std::optional<SseEvent> next(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            decode();
            if (auto event = take_event()) return event;
            if (ended_ || closed_) return std::nullopt;
            if (!fill(deadline)) return std::nullopt;
        }
    }
    // The body ended properly: the last chunk (chunked) or the server's close (close-delimited).
    bool ended() const { return ended_; }
    // The server closed the connection.
    bool closed() const { return closed_; }
    // Waits for the server to close the connection after the end.
    bool wait_closed(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_ && fill(deadline)) {
        }
        decode();
        return closed_;
    }
    // Leaves like a browser tab that is closed.
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    // Reads more bytes into raw_; false at the deadline or when the connection closed.
    bool fill(std::chrono::steady_clock::time_point deadline) {
        if (fd_ < 0 || closed_) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
        char buf[4096];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            closed_ = true;
            if (!chunked_) ended_ = true;
            return false;
        }
        raw_.append(buf, static_cast<std::size_t>(n));
        return true;
    }

    void read_head(std::chrono::steady_clock::time_point deadline) {
        std::size_t end = std::string::npos;
        while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(deadline)) throw std::runtime_error("no answer head; got: " + raw_);
        }
        const std::string head = raw_.substr(0, end);
        raw_.erase(0, end + 4);
        status_ = std::stoi(head.substr(9, 3));
        std::size_t pos = head.find("\r\n");
        while (pos != std::string::npos && pos + 2 < head.size()) {
            const auto next = head.find("\r\n", pos + 2);
            const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string name = line.substr(0, colon);
                std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                headers_[name] = value;
            }
            pos = next;
        }
        chunked_ = header("transfer-encoding") == "chunked";
        if (!chunked_ && headers_.count("content-length")) length_ = std::stoul(header("content-length"));
    }

    // Moves decoded body bytes from raw_ to text_.
    void decode() {
        if (!chunked_) {
            text_ += raw_;
            raw_.clear();
            if (length_ && text_.size() >= *length_) ended_ = true;
            return;
        }
        while (!ended_) {
            const auto line_end = raw_.find("\r\n");
            if (line_end == std::string::npos) return;
            const std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
            if (raw_.size() < line_end + 2 + size + 2) return;
            if (size == 0) {
                ended_ = true;
                raw_.erase(0, line_end + 4);
                return;
            }
            text_.append(raw_, line_end + 2, size);
            raw_.erase(0, line_end + 2 + size + 2);
        }
    }

    std::optional<SseEvent> take_event() {
        for (;;) {
            const auto end = text_.find("\n\n");
            if (end == std::string::npos) return std::nullopt;
            const std::string block = text_.substr(0, end);
            text_.erase(0, end + 2);
            SseEvent event{"message", ""};
            bool any = false;
            std::size_t pos = 0;
            while (pos <= block.size()) {
                const auto nl = block.find('\n', pos);
                const std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                if (line.rfind("event: ", 0) == 0) {
                    event.name = line.substr(7);
                    any = true;
                } else if (line.rfind("data: ", 0) == 0) {
                    event.data += line.substr(6);
                    any = true;
                }
                if (nl == std::string::npos) break;
                pos = nl + 1;
            }
            if (any) return event;  // a block of comments only (": keep-alive") is no event
        }
    }

    int fd_ = -1;
    int status_ = 0;
    std::map<std::string, std::string> headers_;
    bool chunked_ = false;
    std::optional<std::size_t> length_;
    std::string raw_;   // bytes as received, not decoded yet
    std::string text_;  // decoded body not yet split into events
    bool ended_ = false;
    bool closed_ = false;
};

}  // namespace coupon::test
