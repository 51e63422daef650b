// The dead-letter store (DeadLetterStore) on the backend under test: idempotent recording, the FAILED
// outcome in the same transaction, byte-exact keys/payloads/headers, paging and time filters, replay marks.
#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace coupon;
using domain::DeadLetter;
using domain::DeadLetterQuery;
using domain::Outcome;

namespace {

DeadLetter letter(std::int64_t offset, const char* created_at, std::optional<domain::IssueRequest> request) {
    DeadLetter d;
    d.topic = "coupon-issue-topic.DLT";
    d.partition = 2;
    d.offset = offset;
    d.original_topic = "coupon-issue-topic";
    d.original_partition = 3;
    d.original_offset = 100 + offset;
    d.key = "7";
    d.payload = R"({"userId":42,"couponPolicyId":7})";
    d.headers = {{"__TypeId__", "couponIssueRequest"}, {"kafka_exception-message", "database is locked"}};
    d.error = "database is locked";
    d.created_at = test::at(created_at);
    d.request = std::move(request);
    return d;
}

// What a Spring DLT record carries: binary big-endian numbers, NUL bytes, bytes that are not UTF-8.
std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) out += static_cast<char>(v);
    return out;
}

}  // namespace

TEST_CASE("a dead letter is stored once and marks its request FAILED in the same call", "[store][dead-letter]") {
    test::StoreFixture f;
    auto& store = f.db->dead_letters();
    const auto now = test::at("2026-12-01T10:00:05Z");
    auto first = letter(5, "2026-12-01T10:00:05Z", test::request("r1", 42, 7));
    const auto failed = store.record(first, now);
    CHECK(first.id > 0);
    REQUIRE(failed.has_value());
    CHECK(failed->request_id == "r1");
    CHECK(failed->user_id == 42);
    CHECK(failed->policy_id == 7);
    CHECK(failed->outcome == Outcome::Failed);
    CHECK(failed->decided_at == now);
    CHECK(failed->error == "database is locked");
    const auto recorded = f.db->queries().find_result("r1");
    REQUIRE(recorded.has_value());
    CHECK(recorded->outcome == Outcome::Failed);
    CHECK(recorded->error == "database is locked");

    // The DLT record delivered again (the consumer died before its offset commit, maybe before publishing):
    // nothing changes, and the stored FAILED result comes back to be published again.
    auto again = letter(5, "2026-12-01T10:09:00Z", test::request("r1", 42, 7));
    const auto republished = store.record(again, test::at("2026-12-01T10:09:00Z"));
    REQUIRE(republished.has_value());
    CHECK(republished->outcome == Outcome::Failed);
    CHECK(republished->decided_at == now);
    CHECK(republished->error == "database is locked");
    CHECK(f.db->queries().find_result("r1").value().decided_at == now);
    CHECK(again.id == first.id);
    test::RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM dead_letter") == 1);
    CHECK(raw.column("SELECT created_at FROM dead_letter") == std::vector<std::string>{"2026-12-01T10:00:05.000Z"});

    // The same record on another DLT partition is another dead letter.
    auto other = letter(5, "2026-12-01T10:09:00Z", std::nullopt);
    other.partition = 4;
    store.record(other, now);
    CHECK(other.id != first.id);
}

TEST_CASE("a dead letter never overwrites a final outcome", "[store][dead-letter]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 5));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    {
        auto issue = f.db->issue_store();
        domain::CouponIssuer issuer(*issue, clock);
        REQUIRE(issuer.apply({test::request("done", 1, policy.id)}).at(0).outcome == Outcome::Issued);
    }
    auto late = letter(9, "2026-12-01T10:00:01Z", test::request("done", 1, policy.id));
    CHECK_FALSE(f.db->dead_letters().record(late, test::at("2026-12-01T10:00:01Z")).has_value());
    CHECK(late.id > 0);  // stored all the same: the operator sees it
    CHECK(f.db->queries().find_result("done").value().outcome == Outcome::Issued);
    CHECK(f.db->dead_letters().find(late.id).has_value());

    // A FAILED request may fail again (a replay that dead-lettered once more).
    REQUIRE(test::dead_letter_for(*f.db, test::request("twice", 2, policy.id), "first failure").has_value());
    auto second = letter(10, "2026-12-01T10:00:02Z", test::request("twice", 2, policy.id));
    CHECK(f.db->dead_letters().record(second, test::at("2026-12-01T10:00:02Z")).has_value());
    CHECK(f.db->queries().find_result("twice").value().error == "database is locked");
}

TEST_CASE("a poison record is stored without a request and touches no outcome", "[store][dead-letter]") {
    test::StoreFixture f;
    auto poison = letter(1, "2026-12-01T10:00:00Z", std::nullopt);
    poison.payload = "not json {";
    poison.error = "payload is not JSON";
    CHECK_FALSE(f.db->dead_letters().record(poison, test::at("2026-12-01T10:00:00Z")).has_value());
    test::RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 0);
    const auto found = f.db->dead_letters().find(poison.id);
    REQUIRE(found.has_value());
    CHECK_FALSE(found->request.has_value());
    CHECK(found->payload == "not json {");
    CHECK(found->error == "payload is not JSON");
}

TEST_CASE("find returns every field, and key, payload and header values round-trip byte for byte",
          "[store][dead-letter]") {
    test::StoreFixture f;
    auto stored = letter(3, "2026-12-01T10:00:00.123Z", test::request("r3", 42, 7));
    stored.key = bytes({0x00, 0xff, 'k'});
    stored.payload = bytes({0xc3, 0x28, 0x00, '{', 0x80});  // invalid UTF-8 and a NUL
    stored.headers = {{"kafka_original-partition", bytes({0, 0, 0, 3})},
                      {"kafka_original-offset", bytes({0, 0, 0, 0, 0, 0, 0, 0x67})},
                      {"utf8", "쿠폰 \"quoted\" \\ \n"},
                      {"empty", ""},
                      {"utf8", "a repeated name, kept in order"}};
    f.db->dead_letters().record(stored, test::at("2026-12-01T10:00:01Z"));
    const auto found = f.db->dead_letters().find(stored.id);
    REQUIRE(found.has_value());
    CHECK(found->id == stored.id);
    CHECK(found->topic == "coupon-issue-topic.DLT");
    CHECK(found->partition == 2);
    CHECK(found->offset == 3);
    CHECK(found->original_topic == "coupon-issue-topic");
    CHECK(found->original_partition == 3);
    CHECK(found->original_offset == 103);
    CHECK(found->key == stored.key);
    CHECK(found->payload == stored.payload);
    CHECK(found->headers == stored.headers);
    CHECK(found->error == "database is locked");
    CHECK(found->created_at == test::at("2026-12-01T10:00:00.123Z"));
    CHECK_FALSE(found->replayed_at.has_value());
    REQUIRE(found->request.has_value());
    CHECK(found->request->request_id == "r3");
    CHECK(found->request->user_id == 42);
    CHECK(found->request->policy_id == 7);
    CHECK(found->request->requested_at == test::request("r3", 42, 7).requested_at);
    CHECK(found->request->partition == 3);
    CHECK(found->request->offset == 103);
    CHECK_FALSE(f.db->dead_letters().find(stored.id + 1000).has_value());

    // Plain text stays readable in the table for an operator with psql or sqlite3.
    test::RawDb raw(f.url);
    auto text = letter(4, "2026-12-01T10:00:00Z", std::nullopt);
    f.db->dead_letters().record(text, test::at("2026-12-01T10:00:00Z"));
    CHECK(raw.column(fmt::format("SELECT payload FROM dead_letter WHERE id = {}", text.id)) ==
          std::vector<std::string>{text.payload});
}

TEST_CASE("list pages by id and filters from <= created_at < to", "[store][dead-letter]") {
    test::StoreFixture f;
    auto& store = f.db->dead_letters();
    const char* times[] = {"2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z", "2026-12-01T10:00:02Z",
                           "2026-12-01T10:00:03Z", "2026-12-01T10:00:04Z"};
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        auto d = letter(i, times[i], std::nullopt);
        store.record(d, test::at(times[i]));
        ids.push_back(d.id);
    }
    const auto ids_of = [](const domain::DeadLetterPage& page) {
        std::vector<std::int64_t> out;
        for (const auto& d : page.items) out.push_back(d.id);
        return out;
    };

    const auto all = store.list(DeadLetterQuery{});
    CHECK(all.total == 5);
    CHECK(ids_of(all) == ids);

    const auto second_page = store.list(DeadLetterQuery{std::nullopt, std::nullopt, 2, 2});
    CHECK(second_page.total == 5);
    CHECK(ids_of(second_page) == std::vector<std::int64_t>{ids[2], ids[3]});
    const auto past_the_end = store.list(DeadLetterQuery{std::nullopt, std::nullopt, 10, 2});
    CHECK(past_the_end.total == 5);
    CHECK(past_the_end.items.empty());

    const auto window = store.list(DeadLetterQuery{test::at(times[1]), test::at(times[4]), 0, 50});
    CHECK(window.total == 3);
    CHECK(ids_of(window) == std::vector<std::int64_t>{ids[1], ids[2], ids[3]});
    const auto from_only = store.list(DeadLetterQuery{test::at(times[3]), std::nullopt, 0, 1});
    CHECK(from_only.total == 2);
    CHECK(ids_of(from_only) == std::vector<std::int64_t>{ids[3]});
    const auto to_only = store.list(DeadLetterQuery{std::nullopt, test::at(times[1]), 0, 50});
    CHECK(ids_of(to_only) == std::vector<std::int64_t>{ids[0]});
    // An offset given in another zone is the same instant.
    const auto zoned = store.list(DeadLetterQuery{test::at("2026-12-01T19:00:02+09:00"), std::nullopt, 0, 50});
    CHECK(zoned.total == 3);
}

TEST_CASE("mark_replayed stamps the letter, and a per-thread store sees the same table", "[store][dead-letter]") {
    test::StoreFixture f;
    auto consumer_side = f.db->dead_letter_store();
    auto d = letter(1, "2026-12-01T10:00:00Z", test::request("r1", 1, 7));
    REQUIRE(consumer_side->record(d, test::at("2026-12-01T10:00:00Z")).has_value());

    auto& http_side = f.db->dead_letters();
    http_side.mark_replayed(d.id, test::at("2026-12-01T11:00:00Z"));
    const auto found = consumer_side->find(d.id);
    REQUIRE(found.has_value());
    CHECK(found->replayed_at == test::at("2026-12-01T11:00:00Z"));
    CHECK(http_side.list(DeadLetterQuery{}).items.at(0).replayed_at == test::at("2026-12-01T11:00:00Z"));
    http_side.mark_replayed(d.id + 99, test::at("2026-12-01T11:00:00Z"));  // an unknown id changes nothing
}
