#include "sqlite_table_rebuild.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <sstream>
#include <stdexcept>

#include "sqlite_connect.hpp"

namespace coupon::store {
namespace {

constexpr std::string_view kMarker = "-- rebuilds:";

struct SchemaObject {
    std::string type, name, sql;
};

std::vector<SchemaObject> objects(soci::session& sql, const std::string& where) {
    std::vector<SchemaObject> out;
    soci::rowset<soci::row> rows =
        sql.prepare << "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND (" + where + ")";
    for (const soci::row& r : rows) out.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2)});
    return out;
}

bool exists(soci::session& sql, const std::string& name) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM sqlite_master WHERE name = :n", soci::use(name), soci::into(n);
    return n > 0;
}

// `text` between `quote`s, each quote inside doubled: a string literal ('), an identifier (").
std::string quoted(const std::string& text, char quote) {
    std::string out(1, quote);
    for (const char c : text) {
        out += c;
        if (c == quote) out += c;
    }
    return out + quote;
}

// The tables a script's "-- rebuilds:" line names (none: an ordinary script).
std::vector<std::string> rebuilt_tables(std::string_view script) {
    std::vector<std::string> tables;
    std::istringstream lines{std::string(script)};
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with(kMarker)) continue;
        std::istringstream names(line.substr(kMarker.size()));
        for (std::string table; names >> table;) tables.push_back(table);
    }
    return tables;
}

}  // namespace

std::vector<std::string> run_sqlite_migration(soci::session& sql, std::string_view script) {
    const std::vector<std::string> tables = rebuilt_tables(script);
    if (tables.empty()) {
        exec_sqlite_script(sql, script);
        return {};
    }
    std::string in;
    for (const std::string& t : tables) in += (in.empty() ? "" : ", ") + quoted(t, '\'');
    // The rebuilt tables' own indexes (an automatic index has no SQL), and every view and trigger: the drop
    // takes the rebuilt tables' triggers with it, and a view or trigger anywhere that names a table dropped
    // for a moment makes the rename fail.
    const std::vector<SchemaObject> kept =
        objects(sql, fmt::format("(type = 'index' AND tbl_name IN ({})) OR type IN ('view', 'trigger')", in));
    for (const SchemaObject& o : kept) {
        if (o.type == "view" || o.type == "trigger") {
            exec_sqlite_script(sql, fmt::format("DROP {} {}", o.type == "view" ? "VIEW" : "TRIGGER", quoted(o.name, '"')));
        }
    }
    exec_sqlite_script(sql, script);
    std::vector<std::string> created;
    for (const SchemaObject& o : kept) {
        if (exists(sql, o.name)) continue;  // the script made it again itself
        try {
            exec_sqlite_script(sql, o.sql);
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("{} {} does not fit the rebuilt tables: {}", o.type, o.name, e.what()));
        }
        created.push_back(o.name);
    }
    return created;
}

}  // namespace coupon::store
