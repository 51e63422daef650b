// GET /admin/ and GET /demo/: the operator page and the demo page, plain HTML with their CSS and JavaScript
// inline, compiled into the binary (src/http/pages/). The pages hold no data: the operator page signs in
// with the admin token and reads the admin API, the demo page claims like any client.
#include "handlers.hpp"
#include "openapi.hpp"

namespace coupon::http {
namespace {

Handler page_handler(std::string_view (*page)()) {
    return [page](Request&&, Respond respond) {
        Response response;
        response.headers.set("Content-Type", "text/html; charset=utf-8");
        // Inline script and style only, requests to this node only, never framed by another site.
        response.headers.set("Content-Security-Policy",
                             "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                             "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                             "frame-ancestors 'none'");
        response.headers.set("X-Content-Type-Options", "nosniff");
        response.headers.set("Cache-Control", "no-cache");
        response.body = std::string(page());
        respond(std::move(response));
    };
}

}  // namespace

Handler make_operator_page_handler() { return page_handler(&operator_page); }
Handler make_demo_page_handler() { return page_handler(&demo_page); }

}  // namespace coupon::http
