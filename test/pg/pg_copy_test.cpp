// The rows the PostgreSQL store copies in (pg_copy.hpp): whatever text, number or time goes in is what the
// table holds, NULL included; a conflict fails the copy with PostgreSQL's SQLSTATE and leaves the session
// usable for the next statement.
#include <catch2/catch.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "coupon/base/time_format.hpp"
#include "pg_copy.hpp"
#include "postgresql_connect.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using namespace std::chrono_literals;

namespace {

// Copies `rows` into the test's table `copied(n)` and returns the SQLSTATE it failed with ("" if it did not).
std::string sqlstate_of_copy(soci::session& sql, const store::PgCopyRows& rows) {
    try {
        store::copy_rows(sql, "COPY copied(n) FROM STDIN", rows);
    } catch (const soci::postgresql_soci_error& e) {
        return e.sqlstate();
    }
    return "";
}

}  // namespace

TEST_CASE("copied rows carry text, numbers, times and NULL into the table unchanged", "[pg]") {
    const auto place = test::create_test_database();
    soci::session sql;
    store::open_postgresql(sql, {place->url(), 5s, 30s, 5s});
    sql << "CREATE TABLE copied (n BIGINT PRIMARY KEY, t TEXT, i BIGINT)";

    // Every character COPY's text format gives a meaning to, and text that looks like its escapes.
    const std::vector<std::string> texts{"plain", "tab\there", "new\nline", "carriage\rreturn", "back\\slash",
                                         "\\N", "\\t", "", "NULL", "a \"quoted\" word", "caf\xc3\xa9",
                                         "\\\\\t\n\r"};
    const std::vector<std::int64_t> numbers{0, -1, INT64_MAX, INT64_MIN};
    store::PgCopyRows rows;
    for (std::size_t k = 0; k < texts.size(); ++k) {
        rows.add(static_cast<std::int64_t>(k));
        rows.add(texts[k]);
        rows.add(numbers[k % numbers.size()]);
        rows.end_row();
    }
    rows.add(std::int64_t{100});
    rows.add_null();
    rows.add_null();
    rows.end_row();
    const auto at = *base::parse_time("2026-12-01T10:00:00.123Z");
    rows.add(std::int64_t{101});
    rows.add_time(at);
    rows.add_null();
    rows.end_row();
    REQUIRE(rows.rows() == texts.size() + 2);

    sql.begin();
    CHECK(store::copy_rows(sql, "COPY copied(n, t, i) FROM STDIN", rows) == texts.size() + 2);
    sql.commit();

    for (std::size_t k = 0; k < texts.size(); ++k) {
        INFO(k << ": " << texts[k]);
        std::string t;
        long long i = 0;
        sql << "SELECT t, i FROM copied WHERE n = :n", soci::use(static_cast<long long>(k)), soci::into(t),
            soci::into(i);
        CHECK(t == texts[k]);
        CHECK(i == numbers[k % numbers.size()]);
    }
    long long nulls = 0;
    sql << "SELECT COUNT(*) FROM copied WHERE n = 100 AND t IS NULL AND i IS NULL", soci::into(nulls);
    CHECK(nulls == 1);
    std::string time_text;
    sql << "SELECT t FROM copied WHERE n = 101", soci::into(time_text);
    CHECK(time_text == base::format_time(at));
}

TEST_CASE("a copy that breaks a unique key fails with 23505 and stores none of its rows", "[pg]") {
    const auto place = test::create_test_database();
    soci::session sql;
    store::open_postgresql(sql, {place->url(), 5s, 30s, 5s});
    sql << "CREATE TABLE copied (n BIGINT PRIMARY KEY)";
    sql << "INSERT INTO copied VALUES (2)";

    store::PgCopyRows rows;
    for (const std::int64_t n : {1, 2, 3}) {
        rows.add(n);
        rows.end_row();
    }
    sql.begin();
    CHECK(sqlstate_of_copy(sql, rows) == "23505");
    CHECK(store::postgresql_transaction_failed(sql));
    sql.rollback();

    // The session takes the next statement: nothing of the failed copy is left pending on the connection.
    long long count = 0;
    sql << "SELECT COUNT(*) FROM copied", soci::into(count);
    CHECK(count == 1);

    store::PgCopyRows fresh;
    fresh.add(std::int64_t{4});
    fresh.end_row();
    CHECK(store::copy_rows(sql, "COPY copied(n) FROM STDIN", fresh) == 1);
    sql << "SELECT COUNT(*) FROM copied", soci::into(count);
    CHECK(count == 2);
}

TEST_CASE("a copy on a connection the server ended fails as a lost connection and leaves it marked lost", "[pg]") {
    const auto place = test::create_test_database();
    soci::session sql, admin;
    store::open_postgresql(sql, {place->url(), 5s, 30s, 5s});
    store::open_postgresql(admin, {place->url(), 5s, 30s, 5s});
    sql << "CREATE TABLE copied (n BIGINT PRIMARY KEY)";
    long long pid = 0;
    sql << "SELECT pg_backend_pid()", soci::into(pid);
    int ended = 0;
    admin << "SELECT CAST(pg_terminate_backend(:p) AS integer)", soci::use(pid), soci::into(ended);
    REQUIRE(ended == 1);

    store::PgCopyRows rows;
    rows.add(std::int64_t{1});
    rows.end_row();
    const std::string state = sqlstate_of_copy(sql, rows);
    INFO("sqlstate " << state);
    // The server says why (57P01, admin_shutdown) when libpq still reads it; otherwise libpq only knows the
    // connection is gone (08006). Either way the store sees a lost connection and reconnects before its next
    // transaction.
    CHECK((state == "57P01" || state.starts_with("08")));
    CHECK_FALSE(store::postgresql_connected(sql));
    long long count = -1;
    admin << "SELECT COUNT(*) FROM copied", soci::into(count);
    CHECK(count == 0);
}
