#pragma once
// A dead_letter row as both backends store it (see sql/*/002_dead_letter_replay.sql): key and payload
// as text or base64, headers as JSON, the decoded request in nullable columns.
#include <soci/soci.h>

#include <string>

#include "coupon/domain/dead_letters.hpp"

namespace coupon::store {

// Columns of dead_letter d, in DeadLetterRow order.
inline constexpr const char* kDeadLetterColumns =
    "d.id, d.topic, d.kafka_partition, d.kafka_offset, d.original_topic, d.original_partition, d.original_offset, "
    "d.key, d.key_encoding, d.payload, d.payload_encoding, d.headers, d.error, d.created_at, d.replayed_at, "
    "d.request_id, d.user_id, d.coupon_policy_id, d.requested_at";

struct DeadLetterRow {
    long long id = 0, offset = -1, original_offset = -1, user_id = 0, policy_id = 0;
    int partition = -1, original_partition = -1;
    std::string topic, original_topic, key, key_encoding, payload, payload_encoding, headers, error, created_at,
        replayed_at, request_id, requested_at;
    soci::indicator key_ind = soci::i_null, replayed_ind = soci::i_null, request_ind = soci::i_null,
                    user_ind = soci::i_null, policy_ind = soci::i_null, requested_ind = soci::i_null;

    // Binds the columns of kDeadLetterColumns as into() targets.
    void exchange_into(soci::statement& st);
    // Binds the insert's values (kInsertColumns order) as use() sources.
    void exchange_use(soci::statement& st);

    static DeadLetterRow from_domain(const domain::DeadLetter& letter);
    domain::DeadLetter to_domain() const;  // throws StoreError on a row it cannot decode
};

// Columns an insert writes, in DeadLetterRow::exchange_use order.
inline constexpr const char* kDeadLetterInsertColumns =
    "topic, kafka_partition, kafka_offset, original_topic, original_partition, original_offset, key, key_encoding, "
    "payload, payload_encoding, headers, error, created_at, request_id, user_id, coupon_policy_id, requested_at";
inline constexpr const char* kDeadLetterInsertValues =
    ":t, :part, :off, :ot, :opart, :ooff, :k, :ke, :v, :ve, :h, :e, :c, :r, :u, :p, :req";

}  // namespace coupon::store
