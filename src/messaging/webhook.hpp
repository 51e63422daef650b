#pragma once
// The optional dead-letter webhook (the seed's NotificationService): each dead letter is POSTed as JSON to a
// plain "http://host:port/path" URL by a background thread, one attempt with a timeout. A failure is logged
// and counted, never retried, and never blocks the consumer: when the queue is full, notices are dropped.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace coupon::messaging {

struct HttpTarget {
    std::string host;
    std::string port = "80";
    std::string path = "/";
};

// nullopt unless `url` is http://host[:port][/path] (https is not supported: no TLS here).
std::optional<HttpTarget> parse_http_url(const std::string& url);

// One blocking HTTP/1.1 POST. Returns the status code, or 0 and `error` on a network failure or timeout.
int http_post(const HttpTarget& target, const std::string& body, std::chrono::milliseconds timeout, std::string& error);

class DeadLetterWebhook {
public:
    // Throws std::invalid_argument when the URL cannot be used (start-up only).
    explicit DeadLetterWebhook(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(3),
                               std::size_t capacity = 1000);
    ~DeadLetterWebhook();  // stop()
    DeadLetterWebhook(const DeadLetterWebhook&) = delete;
    DeadLetterWebhook& operator=(const DeadLetterWebhook&) = delete;

    void start();
    // Sends what is queued for at most one timeout in all, drops the rest (logged and counted: every dead
    // letter is in the database anyway), then joins. So a webhook that hangs cannot hold a stop past
    // systemd's TimeoutStopSec, whatever the queue holds.
    void stop();
    void notify(std::string json);

private:
    void loop();

    HttpTarget target_;
    std::string url_;  // for log lines: any password in it hidden
    std::chrono::milliseconds timeout_;
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point stop_by_{};  // set by stop()
    std::thread thread_;
};

}  // namespace coupon::messaging
