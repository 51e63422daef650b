// GET /openapi.yaml: the API description built into the binary (no file is looked up at run time).
#include "openapi.hpp"
#include "handlers.hpp"

namespace coupon::http {

Handler make_openapi_handler() {
    return [](Request&&, Respond respond) {
        Response response;
        response.headers.set("Content-Type", "application/yaml");  // RFC 9512
        response.body = std::string(openapi_document());
        respond(std::move(response));
    };
}

}  // namespace coupon::http
