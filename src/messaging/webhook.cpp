#include "webhook.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "coupon/base/redact.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe in every libcurl build: once per process, before the first handle.
void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl did not initialise");
    });
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

// Only the status matters: the answer's body is read and dropped.
std::size_t drop_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

bool is_webhook_url(const std::string& url) {
    CurlPtr<CURLU> parsed(curl_url());
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
    char* scheme = nullptr;
    char* host = nullptr;
    const bool has_scheme = curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK;
    const bool has_host = curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host;
    const bool http = has_scheme && (std::string_view(scheme) == "http" || std::string_view(scheme) == "https");
    curl_free(scheme);
    curl_free(host);
    return http && has_host;
}

int http_post(const std::string& url, const std::string& body, std::chrono::milliseconds timeout, std::string& error) {
    init_curl_once();
    CurlPtr<CURL> curl(curl_easy_init());
    if (!curl) {
        error = "libcurl could not make a handle";
        return 0;
    }
    curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
    raw_headers = curl_slist_append(raw_headers, "Expect:");  // no 100-continue round trip for a small body
    CurlPtr<curl_slist> headers(raw_headers);
    char error_text[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_USERAGENT, "coupon-server");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, timeout.count())));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: this is one thread of many
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drop_body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        error = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
        return 0;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
}

DeadLetterWebhook::DeadLetterWebhook(const std::string& url, std::chrono::milliseconds timeout, std::size_t capacity)
    : url_(base::redact_url(url)), timeout_(timeout), capacity_(capacity) {
    if (!is_webhook_url(url)) throw std::invalid_argument("dead-letter webhook: not an http:// or https:// URL: " + url_);
    target_ = url;
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
