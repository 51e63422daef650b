#pragma once
// Waiting in a test for something to happen: poll a condition, with a bound, instead of sleeping a guessed
// time. A test that sleeps "long enough" is slow when things are fast and flaky when the machine is loaded;
// this returns as soon as the condition holds and fails only at the bound. (What a test proves by waiting,
// "no duplicate shows up within 300 ms", is not a condition to poll: those keep their sleep.)
#include <chrono>
#include <thread>

namespace coupon::test {

// Calls ready() now and every `every` until it returns true or `timeout` passed; returns its last answer.
template <class Ready>
bool eventually(Ready&& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        if (std::chrono::steady_clock::now() >= deadline) return ready();
        std::this_thread::sleep_for(every);
    }
    return true;
}

}  // namespace coupon::test
