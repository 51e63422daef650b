#pragma once
// The one translation from a parsed Beast request to the plain Request the router and handlers see. Shared by
// the server's sessions (http_server.cpp) and the HTTP fuzz target (test/fuzz), so the fuzzer exercises
// exactly what a socket would deliver. Private to the http module: Beast never reaches a public header.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <utility>

#include "coupon/http/message.hpp"

namespace coupon::http {

inline Request to_request(boost::beast::http::request<boost::beast::http::string_body>&& message) {
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const auto question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) request.headers.add(std::string(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());
    return request;
}

}  // namespace coupon::http
