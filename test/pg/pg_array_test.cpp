// The array literals the PostgreSQL store binds as one parameter per column (pg_array.hpp): whatever text,
// number or time goes in comes out of unnest() unchanged, in order, NULL included.
#include <catch2/catch.hpp>
#include <soci/soci.h>

#include "coupon/base/time_format.hpp"
#include "pg_array.hpp"
#include "postgresql_connect.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using namespace std::chrono_literals;

TEST_CASE("array literals carry text, numbers and times through unnest unchanged", "[pg]") {
    const auto place = test::create_test_database();
    soci::session sql;
    store::open_postgresql(sql, {place->url(), 5s, 30s, 5s});

    const std::vector<std::string> texts{"plain", "a \"quoted\" word", "back\\slash", "\\\"", "", "NULL",
                                         " spaced ", "{braces},commas", "caf\xc3\xa9"};
    store::PgArray text_array;
    for (const auto& t : texts) text_array.add(t);
    text_array.add_null();
    std::string literal = text_array.take();
    std::vector<std::string> back(texts.size() + 1);
    std::vector<soci::indicator> nulls(texts.size() + 1);
    sql << "SELECT x FROM unnest(CAST(:a AS text[])) WITH ORDINALITY AS u(x, n) ORDER BY n", soci::use(literal),
        soci::into(back, nulls);
    REQUIRE(back.size() == texts.size() + 1);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        INFO(texts[i]);
        CHECK(nulls[i] == soci::i_ok);
        CHECK(back[i] == texts[i]);
    }
    CHECK(nulls.back() == soci::i_null);

    store::PgArray numbers;
    for (const std::int64_t n : {std::int64_t{0}, std::int64_t{-1}, INT64_MAX, INT64_MIN}) numbers.add(n);
    literal = numbers.take();
    std::vector<long long> got(4);
    sql << "SELECT x FROM unnest(CAST(:a AS bigint[])) WITH ORDINALITY AS u(x, n) ORDER BY n", soci::use(literal),
        soci::into(got);
    CHECK(got == std::vector<long long>{0, -1, INT64_MAX, INT64_MIN});

    const auto at = *base::parse_time("2026-12-01T10:00:00.123Z");
    store::PgArray times;
    times.add_time(at);
    literal = times.take();
    std::string text;
    sql << "SELECT x FROM unnest(CAST(:a AS text[])) AS u(x)", soci::use(literal), soci::into(text);
    CHECK(text == base::format_time(at));
    CHECK(literal == "{\"2026-12-01T10:00:00.123Z\"}");
}
