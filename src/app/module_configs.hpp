#pragma once
// Hands each module its own part of the configuration (STYLE item 10): only the app knows Config.
#include "coupon/app/config.hpp"
#include "coupon/http/http_config.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "coupon/store/database.hpp"

namespace coupon::app {

http::HttpConfig http_config_of(const Config& config);
messaging::KafkaConfig kafka_config_of(const Config& config);
store::DatabaseConfig database_config_of(const Config& config);

}  // namespace coupon::app
