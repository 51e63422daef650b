// scripts/fuzz: -max_len=32768
// The HTTP request path without sockets: bytes -> Beast's request parser with the server's head and body
// limits -> to_request (the server's own translation, beast_request.hpp) -> the real route table over the
// http tier's test doubles -> every handler's input validation (ids, request ids, query parameters, JSON
// bodies, the admin token, Prefer). api_world.cpp checks each answer.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <cstdint>

#include "api_world.hpp"
#include "beast_request.hpp"
#include "coupon/http/http_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace bhttp = boost::beast::http;
    static const coupon::http::HttpConfig limits;  // the server's defaults
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    parser.eager(true);
    boost::beast::error_code ec;
    auto buffer = boost::asio::buffer(data, size);
    // put() takes what it can each time (the head, then the body); the rest of the bytes are the next call's.
    while (buffer.size() > 0 && !parser.is_done()) {
        const std::size_t used = parser.put(buffer, ec);
        if (ec == bhttp::error::need_more) {
            ec = {};
            break;
        }
        if (ec) return 0;  // the server answers 400/413/431 or closes: nothing reaches the router
        buffer += used;
        if (used == 0) break;
    }
    if (!parser.is_done()) {
        if (!parser.got_some()) return 0;  // the server reads end_of_stream and closes, like Beast's read
        parser.put_eof(ec);  // the client closed: a body delimited by the end of the stream is complete
        if (ec || !parser.is_done()) return 0;
    }
    coupon::fuzz::call(coupon::http::to_request(parser.release()));
    return 0;
}
