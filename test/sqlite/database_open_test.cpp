// Database::open: URL forms, start-up errors, and the SQLite settings it promises.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "store_fixture.hpp"

using namespace coupon;
using coupon::test::RawDb;
using coupon::test::TempDir;

namespace {

store::DatabaseConfig config_for(std::string url) {
    store::DatabaseConfig c;
    c.url = std::move(url);
    return c;
}

}  // namespace

TEST_CASE("open creates the missing directory and sets WAL", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.path() + "/nested/deeper/coupons.db";
    auto db = store::Database::open(config_for("sqlite:" + file));
    CHECK(db->backend_name() == "sqlite");
    REQUIRE(std::filesystem::exists(file));
    RawDb raw("sqlite:" + file);
    CHECK(raw.column("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
    CHECK(db->queries().ping());
}

TEST_CASE("sqlite:// followed by an absolute path is accepted", "[sqlite]") {
    TempDir dir;
    auto db = store::Database::open(config_for("sqlite://" + dir.path() + "/x.db"));
    CHECK(std::filesystem::exists(dir.path() + "/x.db"));
}

TEST_CASE("a postgresql URL selects PostgreSQL, and an unreachable one fails at open without the password",
          "[sqlite]") {
    for (const char* url : {"postgresql://coupon:s3cret@/coupons?host=/nonexistent-dir&port=1",
                            "postgres:///coupons?host=/nonexistent-dir&port=1&password=s3cret"}) {
        INFO(url);
        try {
            store::Database::open(config_for(url));
            FAIL("open succeeded");
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains("database.url") && Catch::Contains("cannot open PostgreSQL database") &&
                                 Catch::Contains("/nonexistent-dir"));
            CHECK_THAT(what, !Catch::Contains("s3cret"));
        }
    }
}

TEST_CASE("a malformed database.url names the key and the accepted forms", "[sqlite]") {
    for (const char* url : {"mysql://x/y", "", "sqlite:", "sqlite::memory:", "coupons.db"}) {
        INFO(url);
        REQUIRE_THROWS_WITH(store::Database::open(config_for(url)),
                            Catch::Contains("database.url") && Catch::Contains("sqlite:<path>"));
    }
}

TEST_CASE("a pool size below one is refused at start-up", "[sqlite]") {
    TempDir dir;
    auto c = config_for("sqlite:" + dir.path() + "/x.db");
    c.pool_size = 0;
    REQUIRE_THROWS_WITH(store::Database::open(c), Catch::Contains("database.pool_size"));
}

TEST_CASE("a file that is not a database fails at open with the path in the message", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.path() + "/garbage.db";
    {
        std::FILE* f = std::fopen(file.c_str(), "w");
        REQUIRE(f != nullptr);
        std::fputs("this is certainly not an SQLite database file, just some text long enough", f);
        std::fclose(f);
    }
    REQUIRE_THROWS_WITH(store::Database::open(config_for("sqlite:" + file)),
                        Catch::Contains(file) && Catch::Contains("database.url"));
}

// docs/consumer-pipeline.md: a consumer thread's commit never copies the WAL back into the database file;
// the store's checkpoint thread does, within about 100 ms. Seen from outside: the database file grows
// while the store's connections are open and nobody else checkpoints. (Before the checkpoint thread, a
// writer copied only once the WAL held 1,000 pages, and this batch writes far fewer.)
TEST_CASE("the checkpoint thread copies committed batches from the WAL into the database file", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.path() + "/coupons.db";
    auto db = store::Database::open(config_for("sqlite:" + file));
    const auto policy = db->queries().create_policy(test::new_policy("checkpointed", 1'000'000));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the policy's own pages are copied first
    const auto before = std::filesystem::file_size(file);

    auto store = db->issue_store();
    const domain::SystemClock clock;
    domain::CouponIssuer issuer(*store, clock);
    std::vector<domain::IssueRequest> batch;
    for (int i = 0; i < 2'000; ++i) {
        batch.push_back(test::request(fmt::format("checkpointed-{:06}", i), 1'000 + i, policy.id));
    }
    issuer.apply(batch);
    REQUIRE(std::filesystem::file_size(file + "-wal") > 0);

    auto grown = std::filesystem::file_size(file);
    for (int i = 0; i < 50 && grown <= before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        grown = std::filesystem::file_size(file);
    }
    CHECK(grown > before);
}
