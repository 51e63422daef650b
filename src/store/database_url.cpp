#include "database_url.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

#include "coupon/base/redact.hpp"

namespace coupon::store {
namespace {

constexpr std::string_view kForms =
    "expected sqlite:<path> (e.g. sqlite:data/coupons.db), sqlite:///<absolute path>, or postgresql://...";

[[noreturn]] void reject(const std::string& url, std::string_view why) {
    throw std::runtime_error(fmt::format("database.url '{}': {}; {}", base::redact_url(url), why, kForms));
}

}  // namespace

DatabaseUrl parse_database_url(const std::string& url) {
    std::string_view rest = url;
    if (rest.starts_with("postgresql://") || rest.starts_with("postgres://")) {
        return {DatabaseUrl::Kind::Postgresql, url};
    }
    if (!rest.starts_with("sqlite:")) reject(url, "unknown scheme");
    rest.remove_prefix(std::string_view("sqlite:").size());
    // "sqlite://x" is the URL spelling of "sqlite:x" ("sqlite:///abs" -> "/abs").
    if (rest.starts_with("//")) rest.remove_prefix(2);
    if (rest.empty()) reject(url, "no file path");
    // Every pooled session would get its own empty in-memory database: the consumer could never see
    // the policies the front end created.
    if (rest == ":memory:") reject(url, "in-memory SQLite is not supported (use a file in a temp dir)");
    // SOCI's connection string quotes the path with '"' and has no escape for it.
    if (rest.find('"') != std::string_view::npos) reject(url, "the path must not contain '\"'");
    return {DatabaseUrl::Kind::Sqlite, std::string(rest)};
}

}  // namespace coupon::store
