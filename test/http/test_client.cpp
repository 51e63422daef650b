#include "test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <optional>

namespace coupon::http::test {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

std::string Reply::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

// Every step runs an async operation and the io_context for at most the step's timeout: a hung server
// fails the test instead of hanging it.
struct Connection::Impl {
    net::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;

    template <typename Start>
    std::optional<beast::error_code> run(Start start, std::chrono::milliseconds timeout) {
        std::optional<beast::error_code> result;
        start([&result](beast::error_code ec, std::size_t) { result = ec; });
        ioc.restart();
        ioc.run_for(timeout);
        if (!result) {
            stream.cancel();  // let the pending operation finish before the next step
            ioc.restart();
            ioc.run();
        }
        return result;
    }
};

Connection::Connection(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
    impl_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
}

Connection::~Connection() = default;

bool Connection::send_raw(const std::string& bytes, std::chrono::milliseconds timeout) {
    auto ec = impl_->run([&](auto done) { net::async_write(impl_->stream, net::buffer(bytes), done); }, timeout);
    return ec && !*ec;
}

Reply Connection::read_reply(std::chrono::milliseconds timeout, bool head) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(head);
    auto ec = impl_->run([&](auto done) { bhttp::async_read(impl_->stream, impl_->buffer, parser, done); }, timeout);
    Reply reply;
    if (!ec || *ec) return reply;
    auto message = parser.release();
    reply.status = static_cast<int>(message.result_int());
    for (const auto& field : message) reply.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    reply.body = std::move(message.body());
    return reply;
}

Reply Connection::request(const std::string& method, const std::string& target, const std::string& body,
                          const HeaderMap& headers, std::chrono::milliseconds timeout) {
    std::string wire = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) wire += name + ": " + value + "\r\n";
    if (!body.empty() || method == "POST") wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    wire += "\r\n" + body;
    if (!send_raw(wire, timeout)) return {};
    return read_reply(timeout, method == "HEAD");
}

bool Connection::closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char scratch[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        auto ec = impl_->run([&](auto done) { impl_->stream.async_read_some(net::buffer(scratch), done); }, left);
        if (!ec) return false;  // still open at the deadline
        if (*ec) return true;   // EOF or reset
    }
}

void Connection::close() {
    beast::error_code ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    impl_->stream.socket().close(ec);
}

void Connection::abort() {
    beast::error_code ec;
    impl_->stream.socket().set_option(net::socket_base::linger(true, 0), ec);
    impl_->stream.socket().close(ec);
}

Reply call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
           const HeaderMap& headers, std::chrono::milliseconds timeout) {
    Connection connection(port);
    return connection.request(method, target, body, headers, timeout);
}

}  // namespace coupon::http::test
