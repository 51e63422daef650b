#pragma once
// Text compiled into the binary (src/http/CMakeLists.txt, coupon_embed_text): the API description
// (docs/openapi.yaml, GET /openapi.yaml) and the pages (src/http/pages/, GET /admin/ and GET /demo/).
#include <string_view>

namespace coupon::http {

std::string_view openapi_document();
std::string_view operator_page();
std::string_view demo_page();

}  // namespace coupon::http
