#include "webhook.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "coupon/base/redact.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

struct Socket {
    int fd = -1;
    ~Socket() {
        if (fd >= 0) ::close(fd);
    }
};

bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0 || errno != EINTR) return false;
    }
}

bool connect_to(Socket& s, const HttpTarget& target, Clock::time_point deadline, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found); rc != 0) {
        error = std::string("resolve: ") + ::gai_strerror(rc);
        return false;
    }
    for (addrinfo* a = found; a; a = a->ai_next) {
        Socket candidate;
        candidate.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (candidate.fd < 0) continue;
        if (::connect(candidate.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) continue;
        if (!wait_for(candidate.fd, POLLOUT, deadline)) {
            error = "connect timed out";
            continue;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        ::getsockopt(candidate.fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
        if (so_error != 0) {
            error = std::string("connect: ") + std::strerror(so_error);
            continue;
        }
        std::swap(s.fd, candidate.fd);
        break;
    }
    ::freeaddrinfo(found);
    if (s.fd < 0 && error.empty()) error = "cannot connect";
    return s.fd >= 0;
}

}  // namespace

std::optional<HttpTarget> parse_http_url(const std::string& url) {
    constexpr std::string_view scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    HttpTarget t;
    if (slash != std::string::npos) t.path = rest.substr(slash);
    const auto colon = authority.rfind(':');
    t.host = authority.substr(0, colon);
    if (colon != std::string::npos) t.port = authority.substr(colon + 1);
    if (t.host.empty() || t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return t;
}

int http_post(const HttpTarget& target, const std::string& body, std::chrono::milliseconds timeout, std::string& error) {
    const auto deadline = Clock::now() + timeout;
    Socket s;
    if (!connect_to(s, target, deadline, error)) return 0;
    const std::string request = "POST " + target.path + " HTTP/1.1\r\nHost: " + target.host + ":" + target.port +
                                "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nConnection: close\r\nUser-Agent: coupon-server\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < request.size();) {
        if (!wait_for(s.fd, POLLOUT, deadline)) {
            error = "send timed out";
            return 0;
        }
        const ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            error = std::string("send: ") + std::strerror(errno);
            return 0;
        }
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    // Only the status line matters.
    std::string response;
    char buffer[512];
    while (response.find("\r\n") == std::string::npos) {
        if (!wait_for(s.fd, POLLIN, deadline)) {
            error = "no response in time";
            return 0;
        }
        const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            error = std::string("recv: ") + std::strerror(errno);
            return 0;
        }
        response.append(buffer, static_cast<std::size_t>(n));
    }
    // "HTTP/1.1 204 No Content"
    const auto space = response.find(' ');
    if (response.compare(0, 5, "HTTP/") != 0 || space == std::string::npos || response.size() < space + 4) {
        error = "not an HTTP response";
        return 0;
    }
    return std::atoi(response.substr(space + 1, 3).c_str());
}

DeadLetterWebhook::DeadLetterWebhook(const std::string& url, std::chrono::milliseconds timeout, std::size_t capacity)
    : url_(base::redact_url(url)), timeout_(timeout), capacity_(capacity) {
    auto target = parse_http_url(url);
    if (!target) throw std::invalid_argument("dead-letter webhook: not an http://host:port/path URL: " + url_);
    target_ = std::move(*target);
}

DeadLetterWebhook::~DeadLetterWebhook() { stop(); }

void DeadLetterWebhook::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] { loop(); });
}

void DeadLetterWebhook::stop() {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) stop_by_ = Clock::now() + timeout_;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DeadLetterWebhook::notify(std::string json) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() < capacity_) {
            queue_.push_back(std::move(json));
            wake_.notify_one();
            return;
        }
    }
    MessagingMetrics::get().webhook_failures.fetch_add(1, std::memory_order_relaxed);
    log::warn("dead-letter", "webhook queue full ({} waiting); notice dropped", capacity_);
}

void DeadLetterWebhook::loop() {
    for (;;) {
        std::string body;
        auto timeout = timeout_;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            if (stopping_) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(stop_by_ - Clock::now());
                if (left.count() <= 0) {
                    MessagingMetrics::get().webhook_failures.fetch_add(queue_.size(), std::memory_order_relaxed);
                    log::warn("dead-letter", "stopping: {} webhook notice(s) not sent within {} ms; dropped (the dead "
                              "letters are in the database)", queue_.size(), timeout_.count());
                    return;
                }
                timeout = std::min(timeout, left);
            }
            body = std::move(queue_.front());
            queue_.pop_front();
        }
        std::string error;
        const int status = http_post(target_, body, timeout, error);
        if (status >= 200 && status < 300) continue;
        MessagingMetrics::get().webhook_failures.fetch_add(1, std::memory_order_relaxed);
        log::warn("dead-letter", "webhook {} failed: {}", url_, status ? "HTTP " + std::to_string(status) : error);
    }
}

}  // namespace coupon::messaging
