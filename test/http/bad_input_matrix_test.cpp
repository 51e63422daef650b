// The bad-input matrix (docs/errors.md, "Bad input"): every way a client can send something wrong, each
// with its documented answer, and the server still serving afterwards. One table; a row is raw bytes on a
// fresh connection, the status expected (0: the server closes without an answer) and, for JSON errors,
// the code. Every error body must be JSON in valid UTF-8 with a code and a message.
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "test_doubles.hpp"
#include "test_tokens.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::IssueRequest;
using coupon::domain::Outcome;

namespace {

struct Case {
    std::string name;
    std::string wire;
    int status;            // 0: closed without an answer
    std::string code;      // expected error code, "" for 2xx or unchecked
    bool jwt = false;      // against the server in auth.mode=jwt
    bool closes = false;   // the connection must be closed after the answer
    bool header = false;   // against the server in auth.mode=header (X-User-Id)
};

std::string request(const std::string& method, const std::string& target, const std::string& body = {},
                    const std::string& headers = {}) {
    std::string wire = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
    if (!body.empty() || method == "POST") wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return wire + "\r\n" + body;
}

std::string issue(const std::string& user, const std::string& body, const std::string& headers = {}) {
    return request("POST", "/api/coupons/" + user, body, headers);
}

std::string bearer(const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; }

std::string token(const std::string& sub, std::int64_t exp_offset = 300, const std::string& alg = "HS256") {
    return coupon::test::sign_jwt(alg, coupon::test::kTestJwtSecret,
                                  R"({"sub":")" + sub + R"(","exp":)" +
                                      std::to_string(coupon::test::unix_now() + exp_offset) + "}");
}

bool valid_utf8_json_error(const std::string& body, std::string& code) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(body, ec);  // boost::json refuses invalid UTF-8
    if (ec || !value.is_object()) return false;
    const auto& o = value.get_object();
    const auto* c = o.if_contains("code");
    const auto* m = o.if_contains("message");
    if (c == nullptr || m == nullptr || !c->is_string() || !m->is_string() || m->get_string().empty()) return false;
    code = std::string(c->get_string());
    return true;
}

std::vector<Case> matrix() {
    const std::string ok = R"({"couponPolicyId":7})";
    const std::string big(4096, 'x');
    std::string nested;
    for (int i = 0; i < 500; ++i) nested += '[';
    return {
        // The request line.
        {"garbage request line", "NONSENSE\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"unknown HTTP version", "GET /health HTTP/9.Z\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"method only", "GET\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"no version (HTTP/0.9)", "GET /health\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"two spaces in the request line", "GET  /health HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"method with a bad character", "G@T /health HTTP/1.1\r\nHost: x\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"lower-case method is another method", request("get", "/health"), 405, "METHOD_NOT_ALLOWED"},
        {"HTTP/1.0 without Host", "GET /health HTTP/1.0\r\n\r\n", 200, ""},
        {"request line over the head limit", request("GET", "/health?" + std::string(10000, 'a')), 431,
         "HEADER_TOO_LARGE", false, true},
        {"LF-only line ends", "GET /health HTTP/1.1\nHost: x\n\n", 400, "BAD_REQUEST", false, true},
        // The target.
        {"unknown path", request("GET", "/nothing"), 404, "NOT_FOUND"},
        {"asterisk target", request("OPTIONS", "*"), 404, "NOT_FOUND"},
        {"absolute-form target", request("GET", "http://example.com/health"), 404, "NOT_FOUND"},
        {"dot segments are not resolved", request("GET", "/api/../health"), 404, "NOT_FOUND"},
        {"percent-encoded NUL id", request("GET", "/api/users/%00/coupons"), 400, "INVALID_ID"},
        {"broken percent-encoding in an id", request("GET", "/api/users/%ZZ/coupons"), 400, "INVALID_ID"},
        {"percent-encoded digits are not an id", request("GET", "/api/users/%34%32/coupons"), 400, "INVALID_ID"},
        {"bad query is ignored where none is read", request("GET", "/health?x=%FF%00&&=="), 200, ""},
        {"raw non-UTF-8 bytes in the path", request("GET", "/nothing/\xC3\x28\xFF"), 404, "NOT_FOUND"},
        {"request id with bad characters", request("GET", "/api/coupon-requests/a%20b"), 400, "INVALID_REQUEST_ID"},
        {"request id too long", request("GET", "/api/coupon-requests/" + std::string(200, 'a')), 400,
         "INVALID_REQUEST_ID"},
        // Ids in paths: positive, decimal, canonical.
        {"user id 0", issue("0", ok), 400, "INVALID_ID"},
        {"negative user id", issue("-1", ok), 400, "INVALID_ID"},
        {"user id with a leading zero", issue("007", ok), 400, "INVALID_ID"},
        {"user id 00", issue("00", ok), 400, "INVALID_ID"},
        {"user id with a plus sign", issue("+5", ok), 400, "INVALID_ID"},
        {"user id in exponent form", issue("1e3", ok), 400, "INVALID_ID"},
        {"user id in hex", issue("0x10", ok), 400, "INVALID_ID"},
        {"user id beyond int64", issue("9223372036854775808", ok), 400, "INVALID_ID"},
        {"user id with 30 digits", issue(std::string(30, '9'), ok), 400, "INVALID_ID"},
        {"largest user id", issue("9223372036854775807", ok), 200, ""},
        {"policy id with a leading zero", request("GET", "/api/coupon-policies/01"), 400, "INVALID_ID"},
        {"policy id that is text", request("GET", "/api/coupon-policies/abc"), 400, "INVALID_ID"},
        {"dead-letter id with a leading zero",
         request("POST", "/api/admin/dead-letters/007/replay", "", "Authorization: Bearer secret-token-0123\r\n"), 400,
         "INVALID_ID"},
        // Ids in bodies.
        {"policy id as a string with a leading zero", issue("1", R"({"couponPolicyId":"007"})"), 400, "INVALID_ID"},
        {"policy id 0", issue("1", R"({"couponPolicyId":0})"), 400, "INVALID_ID"},
        {"negative policy id", issue("1", R"({"couponPolicyId":-5})"), 400, "INVALID_ID"},
        {"fractional policy id", issue("1", R"({"couponPolicyId":1.5})"), 400, "INVALID_ID"},
        {"policy id beyond int64", issue("1", R"({"couponPolicyId":9223372036854775808})"), 400, "INVALID_ID"},
        {"boolean policy id", issue("1", R"({"couponPolicyId":true})"), 400, "INVALID_ID"},
        {"null policy id", issue("1", R"({"couponPolicyId":null})"), 400, "MISSING_FIELD"},
        {"no policy id", issue("1", R"({"policy":7})"), 400, "MISSING_FIELD"},
        {"policy id as a digit string", issue("1", R"({"couponPolicyId":"7"})"), 200, ""},
        // JSON.
        {"empty body", issue("1", ""), 400, "INVALID_JSON"},
        {"truncated JSON", issue("1", "{"), 400, "INVALID_JSON"},
        {"JSON array", issue("1", "[]"), 400, "INVALID_JSON"},
        {"JSON null", issue("1", "null"), 400, "INVALID_JSON"},
        {"trailing garbage after the object", issue("1", ok + "{}"), 400, "INVALID_JSON"},
        {"invalid UTF-8 inside a JSON string", issue("1", "{\"couponPolicyId\":7,\"x\":\"\xFF\xFE\"}"), 400,
         "INVALID_JSON"},
        {"nesting beyond the parser's depth", issue("1", nested), 400, "INVALID_JSON"},
        {"byte order mark before the object", issue("1", "\xEF\xBB\xBF" + ok), 400, "INVALID_JSON"},
        {"single quotes", issue("1", "{'couponPolicyId':7}"), 400, "INVALID_JSON"},
        {"policy body that is not an object", request("POST", "/api/coupon-policies", "42",
                                                      "Authorization: Bearer secret-token-0123\r\n"),
         400, "INVALID_JSON"},
        // Headers.
        {"Content-Length that is text", "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400,
         "BAD_REQUEST", false, true},
        {"negative Content-Length", "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400,
         "BAD_REQUEST", false, true},
        {"two different Content-Lengths",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400,
         "BAD_REQUEST", false, true},
        {"header line without a colon", "GET /health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400, "BAD_REQUEST",
         false, true},
        {"space in a header name", "GET /health HTTP/1.1\r\nHost: x\r\nX Y: 1\r\n\r\n", 400, "BAD_REQUEST", false, true},
        {"NUL in a header value", std::string("GET /health HTTP/1.1\r\nHost: x\r\nX-A: a") + '\0' + "b\r\n\r\n", 400,
         "BAD_REQUEST", false, true},
        // Beast unfolds it into one value (RFC 9112 5.2 allows that instead of 400).
        {"obsolete line folding", "GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n", 200, ""},
        {"headers over the limit", request("GET", "/health", "", "X-Big: " + std::string(9000, 'a') + "\r\n"), 431,
         "HEADER_TOO_LARGE", false, true},
        {"unknown Transfer-Encoding", "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}",
         400, "BAD_REQUEST", false, true},
        {"Content-Type is not required", issue("1", ok, "Content-Type: text/plain\r\n"), 200, ""},
        // Methods.
        {"DELETE on the issue route", request("DELETE", "/api/coupons/1"), 405, "METHOD_NOT_ALLOWED"},
        {"PUT on /health", request("PUT", "/health", "x"), 405, "METHOD_NOT_ALLOWED"},
        {"OPTIONS on /health", request("OPTIONS", "/health"), 405, "METHOD_NOT_ALLOWED"},
        {"TRACE on /health", request("TRACE", "/health"), 405, "METHOD_NOT_ALLOWED"},
        {"GET on the issue route", request("GET", "/api/coupons/1"), 405, "METHOD_NOT_ALLOWED"},
        {"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 404, "NOT_FOUND"},
        // Bodies.
        {"body over the limit", issue("1", std::string(2048, ' ') + ok), 413, "BODY_TOO_LARGE", false, true},
        {"a body on a GET is ignored", request("GET", "/health", big.substr(0, 100)), 200, ""},
        {"body shorter than its Content-Length, then nothing",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"coup", 0, "", false, true},
        // Chunked transfer coding.
        {"valid chunked body", "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "5\r\n{\"cou\r\nf\r\nponPolicyId\":7}\r\n0\r\n\r\n",
         200, ""},
        {"chunk size that is not hex", "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "zz\r\n{}\r\n0\r\n\r\n",
         400, "BAD_REQUEST", false, true},
        {"chunk size overflowing 64 bits",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n{}\r\n", 400,
         "BAD_REQUEST", false, true},
        {"chunks adding up beyond the body limit",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, ' ') +
             "\r\n0\r\n\r\n",
         413, "BODY_TOO_LARGE", false, true},
        {"chunked body without its last chunk",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n", 0, "", false, true},
        {"chunked and Content-Length together",
         "POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
         "2\r\n{}\r\n0\r\n\r\n",
         400, "BAD_REQUEST", false, true},
        // Slow clients: a head or body that never completes is closed at read_timeout.
        {"stalled request head", "GET /health HTTP/1.1\r\nHost: x\r\n", 0, "", false, true},
        {"stalled request line", "GET /hea", 0, "", false, true},
        // Auth (auth.mode=jwt).
        {"no Authorization", issue("42", ok), 401, "UNAUTHORIZED", true},
        {"Bearer without a token", issue("42", ok, "Authorization: Bearer\r\n"), 401, "UNAUTHORIZED", true},
        {"Basic credentials", issue("42", ok, "Authorization: Basic dXNlcjpwdw==\r\n"), 401, "UNAUTHORIZED", true},
        {"expired token", issue("42", ok, bearer(token("42", -3600))), 401, "UNAUTHORIZED", true},
        {"alg none", issue("42", ok, bearer(coupon::test::sign_jwt("none", "", R"({"sub":"42","exp":9999999999})"))),
         401, "UNAUTHORIZED", true},
        {"garbage token", issue("42", ok, bearer(std::string(4000, 'A'))), 401, "UNAUTHORIZED", true},
        {"token with raw bytes", issue("42", ok, bearer("a.\xFF\xFE.b")), 401, "UNAUTHORIZED", true},
        {"token for another user", issue("42", ok, bearer(token("43"))), 403, "FORBIDDEN", true},
        {"token for user 42 on path 042", issue("042", ok, bearer(token("42"))), 400, "INVALID_ID", true},
        {"valid token", issue("42", ok, bearer(token("42"))), 200, "", true},
        {"gateway header twice (header mode)", issue("42", ok, "X-User-Id: 42\r\nX-User-Id: 43\r\n"), 401,
         "UNAUTHORIZED", false, false, true},
        {"gateway header for another user (header mode)", issue("42", ok, "X-User-Id: 43\r\n"), 403, "FORBIDDEN",
         false, false, true},
    };
}

}  // namespace

TEST_CASE("the bad-input matrix: each case gets its documented answer and the server keeps serving",
          "[http][matrix]") {
    auto config = test_config();
    config.body_limit = 1024;
    config.read_timeout = 400ms;
    ApiHarness open(config);
    config.auth.mode = AuthConfig::Mode::Jwt;
    config.auth.jwt.secret = coupon::test::kTestJwtSecret;
    ApiHarness jwt(config);
    config.auth.mode = AuthConfig::Mode::Header;
    config.auth.header = "X-User-Id";
    ApiHarness gateway(config);
    for (auto* api : {&open, &jwt, &gateway}) {
        api->sink.decide = [](const IssueRequest& request) { return result_for(request, Outcome::Issued); };
    }
    const auto cases = matrix();
    REQUIRE(cases.size() >= 60);
    for (const auto& c : cases) {
        {
            auto& api = c.jwt ? jwt : c.header ? gateway : open;
            Connection connection(api.port);
            REQUIRE(connection.send_raw(c.wire));
            const auto reply = connection.read_reply(3s);
            INFO(c.name << ": " << reply.status << " " << reply.body);
            CHECK(reply.status == c.status);
            if (reply.status >= 400) {
                std::string code;
                CHECK(valid_utf8_json_error(reply.body, code));
                if (!c.code.empty()) CHECK(code == c.code);
            }
            if (c.closes || c.status == 0) CHECK(connection.closed_within(3s));
            // Still serving, on a new connection.
            CHECK(api.get("/health").status == 200);
        }
    }
}

TEST_CASE("abrupt clients: a reset mid-request and a connect-and-close leave the server serving", "[http][matrix]") {
    ApiHarness api;
    {
        Connection gone(api.port);
        gone.close();
    }
    {
        Connection reset(api.port);
        REQUIRE(reset.send_raw("POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"cou"));
        reset.abort();  // RST instead of FIN
    }
    Connection pipelined(api.port);
    REQUIRE(pipelined.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\nNONSENSE\r\n\r\nGET /health HTTP/1.1\r\n\r\n"));
    CHECK(pipelined.read_reply().status == 200);
    CHECK(pipelined.read_reply().status == 400);
    CHECK(pipelined.closed_within(3s));  // nothing after the malformed one is answered
    CHECK(api.get("/health").status == 200);
    CHECK(api.sink.submitted().empty());
}

TEST_CASE("HEAD is GET without the body, an unknown HEAD is 405 or 404 without a body", "[http][matrix]") {
    ApiHarness api;
    Connection connection(api.port);
    const auto get = connection.request("GET", "/health");
    const auto head = connection.request("HEAD", "/health");
    CHECK(head.status == 200);
    CHECK(head.header("content-length") == get.header("content-length"));
    CHECK(head.body.empty());
    const auto not_allowed = connection.request("HEAD", "/api/coupons/1");
    CHECK(not_allowed.status == 405);
    CHECK(not_allowed.header("allow") == "POST");
    CHECK(connection.request("HEAD", "/nothing").status == 404);
    // Had any of them carried a body, its bytes would now be read as the next answer's start.
    const auto after = connection.request("GET", "/health");
    CHECK(after.status == 200);
    CHECK(after.body == get.body);
    const auto allow = connection.request("PUT", "/health", "x");
    CHECK(allow.header("allow") == "GET, HEAD");
}

TEST_CASE("error bodies never echo bytes that are not UTF-8", "[http][matrix]") {
    ApiHarness api;
    Connection connection(api.port);
    REQUIRE(connection.send_raw("POST /api/coupons/\xFF\xC3\x28 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
    const auto reply = connection.read_reply();
    CHECK(reply.status == 400);
    std::string code;
    CHECK(valid_utf8_json_error(reply.body, code));
    CHECK(code == "INVALID_ID");
    CHECK(reply.body.find("\xFF") == std::string::npos);
    CHECK(reply.body.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD, as boost::json writes it raw
}
