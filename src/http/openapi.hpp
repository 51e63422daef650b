#pragma once
// The API description (docs/openapi.yaml), compiled into the binary; GET /openapi.yaml serves it.
#include <string_view>

namespace coupon::http {

std::string_view openapi_document();

}  // namespace coupon::http
