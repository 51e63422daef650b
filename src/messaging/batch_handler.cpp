#include "batch_handler.hpp"

#include <algorithm>

#include "coupon/domain/log.hpp"
#include "result_publisher.hpp"
#include "store_retry.hpp"

namespace coupon::messaging {

bool publish_until_stored(ResultPublisher& publisher, const std::vector<OutRecord>& records, const char* what,
                          const GiveUp& give_up) {
    constexpr auto kTimeout = std::chrono::seconds(30);
    std::chrono::milliseconds delay(100);
    for (;;) {
        const std::string error = publisher.publish(records, kTimeout);
        if (error.empty()) return true;
        log::warn("consumer", "publishing {} {} failed: {}; retrying in {} ms", records.size(), what, error,
                  delay.count());
        if (wait_or_give_up(delay, give_up)) return false;
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(5));
    }
}

}  // namespace coupon::messaging
