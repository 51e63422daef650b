#pragma once
// Which backend a database.url names, and what it points at.
#include <string>

namespace coupon::store {

struct DatabaseUrl {
    enum class Kind { Sqlite, Postgresql };
    Kind kind = Kind::Sqlite;
    std::string target;  // SQLite: the file path; PostgreSQL: the URL as libpq takes it
};

// Throws std::runtime_error naming database.url and the accepted forms.
DatabaseUrl parse_database_url(const std::string& url);

}  // namespace coupon::store
