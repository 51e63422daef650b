// admit_user(): who may act for the user in the path (docs/auth.md).
#include <variant>

#include "authenticator.hpp"
#include "handlers.hpp"
#include "input.hpp"

namespace coupon::http {

std::optional<Response> admit_user(const ApiContext& context, const Request& request, std::int64_t& user) {
    const auto text = request.param("userId");
    if (!context.auth) {  // auth.mode=none: nothing but the id
        const auto id = parse_id(text);
        if (!id) return invalid_id("userId", text);
        user = *id;
        return std::nullopt;
    }
    auto caller = context.auth->authenticate(request);
    if (auto* refused = std::get_if<Response>(&caller)) return std::move(*refused);
    const auto id = parse_id(text);
    if (!id) return invalid_id("userId", text);
    user = *id;
    // parse_id accepts only the canonical decimal form, so the path text is the id's one spelling.
    return refuse_other_user(*context.auth, std::get<Identity>(caller), text);
}

}  // namespace coupon::http
