#pragma once
// How a recorded issue outcome is told over HTTP (STYLE item 5: one exhaustive switch).
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::http {

struct HttpStatus {
    int status;
    std::string_view code;  // the error code of the JSON body; empty for 200/202
};

HttpStatus status_for(domain::Outcome outcome);

}  // namespace coupon::http
