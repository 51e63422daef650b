#pragma once
// A system failure of a database (connection lost, disk full, locked, refused write): the adapters throw it,
// and the callers that must tell it from a business outcome (the consumers retry or dead-letter the batch;
// the HTTP reads answer 503) catch it without depending on the store ports.
#include <stdexcept>

namespace coupon::domain {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace coupon::domain
