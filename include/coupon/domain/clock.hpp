#pragma once
#include "coupon/domain/types.hpp"

namespace coupon::domain {

// Time is a port so issue windows and retry due times are testable without sleeping.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override;
};

}  // namespace coupon::domain
