// The only Beast translation unit: a listener that accepts and a session per connection that only moves
// bytes (read -> Router -> write), after Beast's http_server_async example. The handler layer never sees
// a Beast type.
//
// Threads: one io_context per thread (measured fastest on two cores) and a single acceptor that hands
// each new connection to the next io_context. A single acceptor, rather than SO_REUSEPORT listeners,
// means a second process configured with the same port fails to bind instead of silently sharing it.
#include "coupon/http/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/heartbeat.hpp"
#include "coupon/base/json_writer.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "beast_request.hpp"
#include "response_log.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// After an answer that ends the connection, unread request bytes would make the kernel send RST and
// the client could lose the answer; so the session stops sending and reads (discarding) for a moment.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kForcedCloseGrace = std::chrono::seconds(1);
// Each loop's tick (Loop::tick_every): its heartbeat, and closing the sessions whose deadline passed. A quarter
// of the shortest timeout, so a deadline is kept within a quarter of its length (at most this late).
constexpr auto kLongestTick = std::chrono::milliseconds(250);
constexpr auto kShortestTick = std::chrono::milliseconds(10);
using SteadyTime = std::chrono::steady_clock::time_point;
constexpr SteadyTime kNever = SteadyTime::max();

// What the server and its sessions share. Held by shared_ptr so a session that outlives stop() (its
// handlers still queued in an io_context) never touches freed memory.
struct Shared {
    HttpConfig config;
    std::shared_ptr<const Router> router;
    std::atomic<bool> draining{false};
    std::atomic<std::size_t> connections{0};
    std::mutex mutex;
    std::condition_variable all_closed;
    base::Metrics::Value& open_gauge =
        base::Metrics::global().gauge("coupon_http_open_connections", "open HTTP connections");
    base::Metrics::Value& rejected = base::Metrics::global().counter(
        "coupon_http_rejected_connections_total", "connections refused with 503 beyond max_connections");
};

class Session;
// A socket bound to its io_context's own executor type: Beast's tcp_stream and asio's default socket carry a
// type-erased executor, copied and destroyed around every operation.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

// Read once per connection, so a request pays a 16-byte copy for it.
ClientAddress peer_of(const Socket& socket) {
    ClientAddress peer;
    beast::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return peer;
    const auto address = endpoint.address();
    const auto v6 = address.is_v4() ? net::ip::make_address_v6(net::ip::v4_mapped, address.to_v4()) : address.to_v6();
    peer.bytes = v6.to_bytes();
    return peer;
}

// One io_context and its thread, plus the sessions living on it (touched only on that thread).
struct Loop {
    net::io_context ioc{1};
    std::vector<std::weak_ptr<Session>> sessions;
    std::size_t sweep_at = 64;
    // Liveness (base/heartbeat.hpp): a timer on this loop beats its heartbeat, so a thread stuck in a handler
    // stops beating and the systemd watchdog hears of it.
    std::shared_ptr<base::Heartbeat> heartbeat;
    std::unique_ptr<net::steady_timer> tick_timer;

    void tick_every(std::chrono::milliseconds period);

    void add(std::weak_ptr<Session> session) {
        // Sessions never unregister (they may be destroyed inside ~io_context); expired entries are
        // swept whenever the list doubles.
        if (sessions.size() >= sweep_at) {
            std::erase_if(sessions, [](const auto& s) { return s.expired(); });
            sweep_at = std::max<std::size_t>(64, sessions.size() * 2);
        }
        sessions.push_back(std::move(session));
    }
};

// The bytes of a plain answer, written as one buffer: the status line, the handler's headers, Content-Type
// when the handler set none, Content-Length (none for 1xx, 204 and 304, which have no body), Connection
// as `keep` and the version need, then the body (none for HEAD: the head a GET would get, RFC 9110 9.3.2).
// What Beast's response serializer wrote, without its buffer sequences: they were about 6% of an I/O
// thread's time answering sold-out requests (perf, 2026-11-30), and fmt's run-time format parsing 1%. A
// header value with CR or LF would end the head early: such a field is dropped and logged, never sent.
void serialize_answer(std::string& out, Response& answer, int status, bool keep, unsigned version, bool head) {
    const std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    const bool bodiless = status < 200 || status == 204 || status == 304;
    out.clear();
    out.reserve(128 + answer.body.size());
    out.append("HTTP/");
    out += static_cast<char>('0' + version / 10 % 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
    out += ' ';
    base::append_integer(out, status);
    out += ' ';
    out.append(reason).append("\r\n");
    for (const auto& [name, value] : answer.headers) {
        if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) {
            log::error("http", "dropped a response header with a line break or a colon in its name: {}",
                       base::utf8_text(name));
            continue;
        }
        out.append(name).append(": ").append(value).append("\r\n");
    }
    if (!answer.headers.has("Content-Type")) out.append("Content-Type: application/json\r\n");
    if (version >= 11 && !keep) out.append("Connection: close\r\n");
    if (version < 11 && keep) out.append("Connection: keep-alive\r\n");
    if (!bodiless) {
        out.append("Content-Length: ");
        base::append_integer(out, static_cast<std::int64_t>(answer.body.size()));
        out.append("\r\n");
    }
    out.append("\r\n");
    if (!bodiless && !head) out.append(answer.body);
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(Socket&& socket, std::weak_ptr<Loop> loop, std::shared_ptr<Shared> shared, bool reject)
        : socket_(std::move(socket)),
          buffer_(shared->config.header_limit + shared->config.body_limit + 8192),
          loop_(std::move(loop)),
          shared_(std::move(shared)),
          reject_(reject) {
        peer_ = peer_of(socket_);
        shared_->connections.fetch_add(1);
        shared_->open_gauge.fetch_add(1, std::memory_order_relaxed);
    }

    ~Session() {
        shared_->open_gauge.fetch_sub(1, std::memory_order_relaxed);
        if (shared_->connections.fetch_sub(1) == 1) {
            std::lock_guard lock(shared_->mutex);
            shared_->all_closed.notify_all();
        }
    }

    // Runs on the session's own io_context thread.
    void start() {
        if (auto loop = loop_.lock()) loop->add(weak_from_this());
        if (reject_) {
            shared_->rejected.fetch_add(1, std::memory_order_relaxed);
            return send_error(503, "SERVICE_BUSY", "too many open connections, retry shortly");
        }
        beast::error_code ec;
        socket_.set_option(tcp::no_delay(true), ec);
        arm(shared_->config.read_timeout);
        wait_for_request();
    }

    // Server stopping: an idle keep-alive connection closes now; one in the middle of a request finishes
    // it (its answer carries Connection: close); an event stream ends now (what is queued, then its end).
    void drain() {
        beast::error_code ec;
        if (state_ == State::Idle) socket_.cancel(ec);
        if (state_ == State::Streaming && body_) body_->end();
    }

    // After the threads are joined: a session still waiting for its handler's answer lets go of itself,
    // so it is destroyed now, while its io_context still exists.
    void abandon() { self_while_handling_.reset(); }

    // Server stopping and the drain's time is up: closes now, whatever the session is doing.
    void force_close() { close(); }

    // Called by the loop's tick: a session past its deadline (a request not read whole in time, an idle
    // keep-alive, an answer the client does not read, the linger after a last answer) is closed, which ends
    // whatever operation it has pending with an error.
    void expire_if_due(SteadyTime now) {
        if (deadline_ > now) return;
        deadline_ = kNever;
        if (state_ == State::Reading) log::debug("http", "closing a connection: request not complete in time");
        close();
    }

private:
    enum class State { Idle, Reading, Handling, Writing, Streaming, Closing, Closed };

    const HttpConfig& config() const { return shared_->config; }

    // One deadline for whatever the session waits for on its socket, kept by the loop's tick instead of a
    // timer per operation (Beast's were a timer armed and cancelled, and its handler run, for each read and
    // each write: about a tenth of an I/O thread's time answering at saturation).
    void arm(std::chrono::steady_clock::duration timeout) { deadline_ = std::chrono::steady_clock::now() + timeout; }
    void disarm() { deadline_ = kNever; }

    void wait_for_request() {
        if (shared_->draining.load()) return close();
        if (buffer_.size() > 0) return read_request();  // pipelined bytes are already here
        state_ = State::Idle;
        // The first request's clock started at the accept; later ones may idle first, then must arrive
        // whole within read_timeout from their first byte.
        if (!first_request_) arm(config().idle_timeout);
        socket_.async_read_some(buffer_.prepare(4096),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->on_first_bytes(ec, n);
                                });
    }

    void on_first_bytes(beast::error_code ec, std::size_t n) {
        if (ec) return close();  // idle timeout, client closed, or drain
        buffer_.commit(n);
        if (!first_request_) arm(config().read_timeout);
        read_request();
    }

    void read_request() {
        first_request_ = false;
        state_ = State::Reading;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(config().header_limit, UINT32_MAX)));
        parser_->body_limit(config().body_limit);
        // A request that arrived whole (one segment, as most do) is parsed here; Beast's asynchronous reads
        // take over only for what is still missing. Each of those is a composed operation with its own
        // completion post and timer: two of them per request were about a tenth of an I/O thread's time.
        parser_->eager(true);
        beast::error_code ec;
        parse_buffered(ec);
        if (ec) return on_read_error(ec);
        if (!parser_->is_header_done()) {
            bhttp::async_read_header(socket_, buffer_, *parser_,
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                         self->on_header(ec);
                                     });
            return;
        }
        on_header({});
    }

    // Feeds the parser what the buffer holds, up to the end of one request; need_more is not an error.
    void parse_buffered(beast::error_code& ec) {
        while (buffer_.size() > 0 && !parser_->is_done()) {
            const std::size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == bhttp::error::need_more) {
                ec = {};
                return;
            }
            if (ec || used == 0) return;
        }
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        // A request's body length is Content-Length or chunked, nothing else (RFC 9112 6.3): Beast would
        // read "Transfer-Encoding: gzip" as no body, and the body's bytes as the next request.
        if (!parser_->chunked() && parser_->get().count(bhttp::field::transfer_encoding) > 0) {
            return send_error(400, "BAD_REQUEST", "malformed HTTP request: only the chunked transfer coding is accepted");
        }
        const auto expect = parser_->get()[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
            // curl and others wait for this before sending a body.
            continue_.emplace(bhttp::status::continue_, parser_->get().version());
            bhttp::async_write(socket_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        if (parser_->is_done()) return handle();
        bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->on_read_error(ec);
            self->handle();
        });
    }

    void on_read_error(beast::error_code ec) {
        if (ec == bhttp::error::header_limit) {
            return send_error(431, "HEADER_TOO_LARGE",
                              "the request head exceeds " + std::to_string(config().header_limit) + " bytes");
        }
        if (ec == bhttp::error::body_limit) {
            return send_error(413, "BODY_TOO_LARGE",
                              "the request body exceeds " + std::to_string(config().body_limit) + " bytes");
        }
        // A session closed by its deadline (expire_if_due) ends here too, with an aborted or bad descriptor.
        if (ec == net::error::operation_aborted || ec == net::error::bad_descriptor ||
            ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == net::error::eof ||
            ec == net::error::connection_reset) {
            return close();
        }
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
            return send_error(400, "BAD_REQUEST", "malformed HTTP request: " + ec.message());
        }
        log::debug("http", "read failed: {}", ec.message());
        close();
    }

    void handle() {
        state_ = State::Handling;
        disarm();  // the handler may wait for the broker; its own deadlines apply
        auto message = parser_->release();
        parser_.reset();
        keep_alive_ = message.keep_alive();
        version_ = message.version();
        Request request = to_request(std::move(message));
        request.peer = peer_;
        method_ = request.method;
        target_ = request.target;

        // No I/O is pending while the handler works, so the session keeps itself alive until it answers.
        // The answer may come from any thread (a broker or timer callback): it is carried back to this
        // session's own thread, and dropped if the connection or the server is gone by then.
        self_while_handling_ = shared_from_this();
        Respond respond([weak = weak_from_this(), loop = loop_](Response&& response) {
            auto owner = loop.lock();
            if (!owner) return;  // the server is gone
            net::dispatch(owner->ioc.get_executor(), [weak, response = std::move(response)]() mutable {
                if (auto self = weak.lock()) self->send(std::move(response));
            });
        });
        try {
            shared_->router->dispatch(std::move(request), respond);
        } catch (const std::exception& e) {
            log::error("http", "dispatch failed: {}", e.what());
            respond(error_response(500, "INTERNAL_ERROR", "the request could not be handled"));
        }
    }

    void send(Response&& answer) {
        const auto self = std::move(self_while_handling_);
        if (state_ != State::Handling) return;  // the connection was closed meanwhile
        if (answer.stream) return start_stream(std::move(answer));
        const bool keep = keep_alive_ && !shared_->draining.load();
        write(std::move(answer), keep, version_);
    }

    // An answer whose body comes from a StreamBody (Server-Sent Events): the head now, then the body's text
    // as it is queued, from whichever thread queues it; the connection closes after the end. Meanwhile a read
    // stays pending, so a client that leaves is noticed at once (and its stream closed, which frees what the
    // handler holds for it), not at the next write.
    void start_stream(Response&& answer) {
        state_ = State::Streaming;
        const int status = answer.status >= 100 && answer.status <= 599 ? answer.status : 500;
        account_response(method_.empty() ? "-" : method_, target_.empty() ? "-" : target_, status, answer.error_code);
        body_ = std::move(answer.stream);
        chunked_ = version_ >= 11;  // HTTP/1.0 has no chunked coding: its body ends with the connection
        stream_head_ = {};
        stream_head_.version(version_);
        stream_head_.result(static_cast<unsigned>(status));
        for (const auto& [name, value] : answer.headers) stream_head_.insert(name, value);
        if (!answer.headers.has("Content-Type")) stream_head_.set(bhttp::field::content_type, "text/event-stream");
        stream_head_.keep_alive(false);
        if (chunked_) stream_head_.chunked(true);
        head_serializer_.emplace(stream_head_);
        arm(config().read_timeout);
        bhttp::async_write_header(socket_, *head_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (self->method_ == "HEAD") {  // the head a GET would get, and no body (RFC 9110 9.3.2)
                self->body_->close();
                return self->linger_close();
            }
            if (self->shared_->draining.load()) self->body_->end();
            self->disarm();  // the watching read below waits as long as the stream lasts
            self->watch_client();
            self->body_->attach([weak = self->weak_from_this(), loop = self->loop_] {
                auto owner = loop.lock();
                if (!owner) return;
                net::dispatch(owner->ioc.get_executor(), [weak] {
                    if (auto session = weak.lock()) session->pump();
                });
            });
            self->pump();
        });
    }

    // A client sends nothing on an event stream: bytes are discarded, and EOF or an error means it left.
    void watch_client() {
        watching_ = true;
        socket_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->watching_ = false;
            if (self->stream_done_) return self->linger_close();  // cancelled by finish_stream()
            if (ec) return self->close();
            self->watch_client();
        });
    }

    // Writes what the body has queued, one write at a time.
    void pump() {
        if (state_ != State::Streaming || writing_ || stream_done_) return;
        auto taken = body_->take();
        if (taken.text.empty() && !taken.last) return;
        out_.clear();
        if (chunked_ && !taken.text.empty()) out_ = fmt::format("{:x}\r\n{}\r\n", taken.text.size(), taken.text);
        if (!chunked_) out_ = std::move(taken.text);
        if (chunked_ && taken.last) out_ += "0\r\n\r\n";
        const bool last = taken.last;
        if (out_.empty()) return finish_stream();
        writing_ = true;
        // Only this write times out: the watching read pending meanwhile waits as long as the stream lasts.
        arm(config().read_timeout);
        net::async_write(socket_, net::buffer(out_), [self = shared_from_this(), last](beast::error_code ec, std::size_t) {
            self->writing_ = false;
            self->disarm();
            if (ec) return self->close();
            if (last) return self->finish_stream();
            self->pump();
        });
    }

    // After the stream's last byte: stop watching, then close the way every other answer does.
    void finish_stream() {
        stream_done_ = true;
        beast::error_code ec;
        if (watching_) return (void)socket_.cancel(ec);  // its handler lingers
        linger_close();
    }

    // For requests that could not be read: the rest of the stream cannot be trusted, so close after.
    void send_error(int status, std::string_view code, std::string_view message) {
        state_ = State::Handling;
        write(error_response(status, code, message), false, 11);
    }

    void write(Response&& answer, bool keep, unsigned version) {
        state_ = State::Writing;
        const int status = answer.status >= 100 && answer.status <= 599 ? answer.status : 500;
        account_response(method_.empty() ? "-" : method_, target_.empty() ? "-" : target_, status, answer.error_code);
        serialize_answer(answer_bytes_, answer, status, keep, version, method_ == "HEAD");
        arm(config().read_timeout);  // a client that does not read its answer is dropped too
        net::async_write(socket_, net::buffer(answer_bytes_), [self = shared_from_this(), keep](beast::error_code ec,
                                                                                               std::size_t) {
            if (ec) return self->close();
            if (!keep) return self->linger_close();
            self->method_.clear();
            self->target_.clear();
            self->wait_for_request();
        });
    }

    void linger_close() {
        state_ = State::Closing;
        beast::error_code ec;
        socket_.shutdown(Socket::shutdown_send, ec);
        if (ec) return close();
        buffer_.clear();
        arm(std::min<std::chrono::steady_clock::duration>(kLingerTime, config().read_timeout));
        discard();
    }

    void discard() {
        socket_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();  // the client closed too (EOF), or the linger time is over
            self->discard();
        });
    }

    void close() {
        if (body_) body_->close();  // a stream's producers stop and give back what they hold
        if (state_ == State::Closed) return;
        state_ = State::Closed;
        disarm();
        beast::error_code ec;
        socket_.shutdown(Socket::shutdown_both, ec);
        socket_.close(ec);
    }

    Socket socket_;
    SteadyTime deadline_ = kNever;  // see arm()
    beast::flat_buffer buffer_;
    std::weak_ptr<Loop> loop_;
    std::shared_ptr<Shared> shared_;
    const bool reject_;
    ClientAddress peer_;
    State state_ = State::Idle;
    bool first_request_ = true;
    bool keep_alive_ = false;
    unsigned version_ = 11;
    std::string method_;
    std::string target_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::response<bhttp::empty_body>> continue_;
    std::string answer_bytes_;  // a plain answer, serialized (serialize_answer)
    std::array<char, 4096> discard_{};
    std::shared_ptr<Session> self_while_handling_;
    // An event stream (State::Streaming):
    std::shared_ptr<StreamBody> body_;
    bhttp::response<bhttp::empty_body> stream_head_;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> head_serializer_;
    std::string out_;
    bool chunked_ = true;
    bool writing_ = false;
    bool watching_ = false;
    bool stream_done_ = false;
};

void Loop::tick_every(std::chrono::milliseconds period) {
    heartbeat->beat();
    const SteadyTime now = std::chrono::steady_clock::now();
    for (auto& weak : sessions) {
        if (auto session = weak.lock()) session->expire_if_due(now);
    }
    tick_timer->expires_after(period);
    tick_timer->async_wait([this, period](beast::error_code ec) {
        if (!ec) tick_every(period);
    });
}

class Listener : public std::enable_shared_from_this<Listener> {
public:
    // Holds the loops weakly: its own pending accept sits inside the first loop's io_context.
    Listener(const std::vector<std::shared_ptr<Loop>>& loops, std::shared_ptr<Shared> shared)
        : loops_(loops.begin(), loops.end()),
          shared_(std::move(shared)),
          acceptor_(loops.front()->ioc),
          backoff_(loops.front()->ioc) {}

    // Throws std::runtime_error naming the address when it cannot listen (start-up only).
    void listen(const std::string& address, std::uint16_t port) {
        const auto fail = [&](const beast::error_code& ec) {
            throw std::runtime_error("cannot bind " + address + ":" + std::to_string(port) + ": " + ec.message());
        };
        beast::error_code ec;
        const auto ip = net::ip::make_address(address, ec);
        if (ec) fail(ec);
        const tcp::endpoint endpoint(ip, port);
        acceptor_.open(endpoint.protocol(), ec);
        if (ec) fail(ec);
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);  // restart while old sockets TIME_WAIT
        if (ec) fail(ec);
        acceptor_.bind(endpoint, ec);
        if (ec) fail(ec);
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
        if (ec) fail(ec);
        port_ = acceptor_.local_endpoint(ec).port();
    }

    std::uint16_t port() const { return port_; }

    void accept() {
        auto loop = loops_[next_++ % loops_.size()].lock();
        if (!loop) return;
        acceptor_.async_accept(loop->ioc, [self = shared_from_this(), weak = std::weak_ptr<Loop>(loop)](
                                              beast::error_code ec, Socket socket) {
            self->on_accept(ec, std::move(socket), weak);
        });
    }

    void close() {
        beast::error_code ec;
        acceptor_.close(ec);
        backoff_.cancel();
    }

private:
    void on_accept(beast::error_code ec, Socket socket, const std::weak_ptr<Loop>& weak) {
        auto loop = weak.lock();
        if (!loop || !acceptor_.is_open() || shared_->draining.load()) return;
        if (ec) {
            // Usually out of file descriptors: pause instead of spinning, the next accept may succeed.
            log::warn("http", "accept failed: {}", ec.message());
            backoff_.expires_after(std::chrono::milliseconds(50));
            backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec) self->accept();
            });
            return;
        }
        const bool reject = shared_->connections.load() >= shared_->config.max_connections;
        auto session = std::make_shared<Session>(std::move(socket), loop, shared_, reject);
        net::post(loop->ioc, [session] { session->start(); });
        accept();
    }

    std::vector<std::weak_ptr<Loop>> loops_;
    std::shared_ptr<Shared> shared_;
    tcp::acceptor acceptor_;
    net::steady_timer backoff_;
    std::size_t next_ = 0;
    std::uint16_t port_ = 0;
};

void run_loop(net::io_context& ioc) {
    // Handlers do not throw by design; if one does anyway, the thread logs it and keeps serving.
    for (;;) {
        try {
            ioc.run();
            return;
        } catch (const std::exception& e) {
            log::error("http", "uncaught exception in an I/O thread: {}", e.what());
        }
    }
}

}  // namespace

struct HttpServer::Impl {
    std::shared_ptr<Shared> shared;
    std::vector<std::shared_ptr<Loop>> loops;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    std::shared_ptr<Listener> listener;
    std::uint16_t port = 0;
    std::mutex lifecycle;
    bool started = false;
    bool stopped = false;

    template <typename Fn>
    void for_each_session(Fn fn) {
        for (auto& loop : loops) {
            // A raw pointer: a shared_ptr inside its own io_context's queue would keep it alive forever.
            net::post(loop->ioc, [raw = loop.get(), fn] {
                for (auto& weak : raw->sessions) {
                    if (auto session = weak.lock()) fn(*session);
                }
            });
        }
    }

    bool wait_closed(std::chrono::steady_clock::duration limit) {
        std::unique_lock lock(shared->mutex);
        return shared->all_closed.wait_for(lock, limit, [&] { return shared->connections.load() == 0; });
    }
};

HttpServer::HttpServer(HttpConfig config, Router router) : impl_(std::make_unique<Impl>()) {
    impl_->shared = std::make_shared<Shared>();
    impl_->shared->config = std::move(config);
    impl_->shared->router = std::make_shared<const Router>(std::move(router));
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->started) return;
    const auto& config = impl_->shared->config;
    const std::size_t threads = std::max<std::size_t>(1, config.threads);
    for (std::size_t i = 0; i < threads; ++i) impl_->loops.push_back(std::make_shared<Loop>());
    impl_->listener = std::make_shared<Listener>(impl_->loops, impl_->shared);
    impl_->listener->listen(config.address, config.port);  // throws before any thread exists
    impl_->port = impl_->listener->port();
    impl_->started = true;
    for (std::size_t i = 0; i < impl_->loops.size(); ++i) {
        auto& loop = impl_->loops[i];
        loop->heartbeat = base::Heartbeats::global().add("http-io-" + std::to_string(i));
        loop->tick_timer = std::make_unique<net::steady_timer>(loop->ioc);
        const auto shortest = std::min({config.read_timeout, config.idle_timeout,
                                        std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime)});
        const auto tick = std::clamp(shortest / 4, kShortestTick, kLongestTick);
        net::post(loop->ioc, [raw = loop.get(), tick] { raw->tick_every(tick); });
        impl_->guards.push_back(net::make_work_guard(loop->ioc));
        impl_->threads.emplace_back([loop, i] {
            base::name_this_thread("http-io-" + std::to_string(i));
            run_loop(loop->ioc);
        });
    }
    net::post(impl_->loops.front()->ioc, [listener = impl_->listener] { listener->accept(); });
    log::info("http", "listening on {}:{} with {} I/O threads", config.address, impl_->port, threads);
}

std::uint16_t HttpServer::port() const { return impl_->port; }

bool HttpServer::responsive(std::chrono::milliseconds within) const {
    std::vector<std::shared_ptr<Loop>> loops;
    {
        std::lock_guard lock(impl_->lifecycle);
        if (!impl_->started || impl_->stopped) return false;
        loops = impl_->loops;
    }
    // Shared with the posted no-ops: one that runs after the wait gave up must not touch freed memory.
    struct Answers {
        std::mutex mutex;
        std::condition_variable all;
        std::size_t left = 0;
    };
    auto answers = std::make_shared<Answers>();
    answers->left = loops.size();
    for (const auto& loop : loops) {
        net::post(loop->ioc, [answers] {
            std::lock_guard lock(answers->mutex);
            if (--answers->left == 0) answers->all.notify_all();
        });
    }
    std::unique_lock lock(answers->mutex);
    return answers->all.wait_for(lock, within, [&] { return answers->left == 0; });
}

void HttpServer::stop() { stop(impl_->shared->config.drain_timeout); }

void HttpServer::stop(std::chrono::milliseconds drain) {
    std::lock_guard lock(impl_->lifecycle);
    if (!impl_->started || impl_->stopped) return;
    impl_->stopped = true;
    impl_->shared->draining.store(true);
    {
        // Closed on its own thread, and waited for, so no accept is left queued when the loops stop.
        std::promise<void> closed;
        net::post(impl_->loops.front()->ioc, [listener = impl_->listener, &closed] {
            listener->close();
            closed.set_value();
        });
        closed.get_future().wait();
    }
    impl_->for_each_session([](Session& s) { s.drain(); });
    if (!impl_->wait_closed(drain)) {
        log::warn("http", "{} connections still busy after {} ms; closing them",
                  impl_->shared->connections.load(), drain.count());
        impl_->for_each_session([](Session& s) { s.force_close(); });
        impl_->wait_closed(kForcedCloseGrace);
    }
    impl_->guards.clear();
    for (auto& loop : impl_->loops) loop->ioc.stop();
    for (auto& thread : impl_->threads) thread.join();
    impl_->threads.clear();
    for (auto& loop : impl_->loops) loop->heartbeat.reset();  // stopped loops are not wedged ones
    for (auto& loop : impl_->loops) {
        for (auto& weak : loop->sessions) {
            if (auto session = weak.lock()) session->abandon();
        }
    }
    impl_->listener.reset();
    log::info("http", "stopped");
}

}  // namespace coupon::http
