#pragma once
// Names the calling thread (what `top -H`, `ps -L`, perf and gdb show), so an operator can tell the HTTP
// loops from the consumer workers and librdkafka's own "rdk:" threads. Linux keeps at most 15 bytes.
#include <string>

namespace coupon::base {

void name_this_thread(const std::string& name);

}  // namespace coupon::base
