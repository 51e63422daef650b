#pragma once
// The seed's Spring service (test/interop/spring, spring-kafka 4.1.2) run as a child process of a test: it
// prints what it sent or received as JSON lines (coupon.peer.SpringPeer), which the test reads here.
#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace coupon::test {

class SpringPeer {
public:
    // test/interop/spring/spring-peer ARGS..., stdout and stderr into files under `dir`. The child gets SIGKILL
    // when the test process dies (PR_SET_PDEATHSIG): no JVM is left behind by a ctest timeout.
    SpringPeer(const std::string& dir, std::vector<std::string> args);
    ~SpringPeer();  // SIGKILL if still running
    SpringPeer(const SpringPeer&) = delete;
    SpringPeer& operator=(const SpringPeer&) = delete;

    // Every complete JSON line printed so far.
    std::vector<boost::json::object> lines() const;
    // Waits until `done(lines())` holds; false when the deadline passes or the process ended first.
    bool wait_until(const std::function<bool(const std::vector<boost::json::object>&)>& done,
                    std::chrono::milliseconds timeout) const;
    // Waits for the exit (SIGKILL at the deadline); the exit status, 128+signal when killed.
    int wait_exit(std::chrono::milliseconds timeout);
    int stop();  // SIGTERM, then wait_exit(30 s)
    bool running() const;
    std::string errors() const;  // stderr (Spring's and Kafka's WARN lines, a JVM failure)

private:
    pid_t pid_ = -1;
    mutable int exit_status_ = -1;
    std::string out_path_, err_path_;
};

// Lines of one kind ("sent", "request", "dlt", "result", ...), optionally only those of `topic`.
std::vector<boost::json::object> peer_events(const std::vector<boost::json::object>& lines, const std::string& kind,
                                             const std::string& topic = "");

}  // namespace coupon::test
