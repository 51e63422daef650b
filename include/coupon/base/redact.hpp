#pragma once
// Secrets that ride inside ordinary settings (a password in a database or webhook URL, a librdkafka
// property such as sasl.password) must never reach a log line or an error message: these give the text to
// show instead.
#include <string>
#include <string_view>

namespace coupon::base {

// The URL with its user information's password, and any "password=" query value, replaced by "***":
// "postgresql://app:s/cr@t@db/x?sslpassword=y" -> "postgresql://app:***@db/x?sslpassword=***". The
// userinfo ends at the last '@' before the query, so a password holding '/', ':' or '@' is hidden too.
std::string redact_url(std::string_view url);

// True for librdkafka property names whose value is a secret (sasl.password, ssl.key.password,
// sasl.oauthbearer.client.secret, ssl.key.pem, sasl.jaas.config, ...).
bool is_secret_property(std::string_view name);
// `value`, or "***" when `name` is a secret property.
std::string shown_property_value(std::string_view name, std::string_view value);

}  // namespace coupon::base
