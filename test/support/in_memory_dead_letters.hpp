#pragma once
// The DeadLetterStore port over an InMemoryStore: dead letters live in the same "database" as the issue
// outcomes, so marking a request FAILED and a later replay interact as they do in SQL.
#include "coupon/domain/dead_letters.hpp"
#include "in_memory_store.hpp"

namespace coupon::test {

class InMemoryDeadLetters final : public domain::DeadLetterStore {
public:
    explicit InMemoryDeadLetters(InMemoryStore& store) : store_(store) {}
    std::optional<domain::IssueResult> record(domain::DeadLetter& letter, domain::TimePoint now) override {
        return store_.record_dead_letter(letter, now);
    }
    domain::DeadLetterPage list(const domain::DeadLetterQuery& query) override { return store_.list_dead_letters(query); }
    std::optional<domain::DeadLetter> find(std::int64_t id) override { return store_.find_dead_letter(id); }
    void mark_replayed(std::int64_t id, domain::TimePoint at) override { store_.mark_dead_letter_replayed(id, at); }

private:
    InMemoryStore& store_;
};

}  // namespace coupon::test
