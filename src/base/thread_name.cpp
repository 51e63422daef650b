#include "coupon/base/thread_name.hpp"

#include <pthread.h>

namespace coupon::base {

void name_this_thread(const std::string& name) {
    constexpr std::size_t kLinuxLimit = 15;  // TASK_COMM_LEN 16, including the terminating zero
    (void)pthread_setname_np(pthread_self(), name.substr(0, kLinuxLimit).c_str());
}

}  // namespace coupon::base
