#pragma once
// The optional dead-letter webhook (the seed's NotificationService): each dead letter is POSTed as JSON to an
// http:// or https:// URL by a background thread, one attempt with a timeout. A failure is logged and
// counted, never retried, and never blocks the consumer: when the queue is full, notices are dropped.
// libcurl speaks the HTTP: TLS with the system's CA store and host name checks, proxies from the usual
// environment variables (http_proxy, https_proxy, no_proxy), redirects not followed.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace coupon::messaging {

// True when `url` is an http:// or https:// URL with a host (what the webhook accepts).
bool is_webhook_url(const std::string& url);

// One blocking POST of a JSON body. Returns the status code, or 0 and `error` on a network or TLS failure or
// when the whole exchange did not finish within `timeout`.
int http_post(const std::string& url, const std::string& body, std::chrono::milliseconds timeout, std::string& error);

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

    std::string target_;
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
