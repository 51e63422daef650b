#pragma once
// Runs the real coupon-server executable as a child process, the way a user would, and reads its log.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace coupon::test {

class ServerProcess {
public:
    // env entries are added to (and override) the inherited environment. die_with_parent: the child gets
    // SIGKILL when the thread that created it exits (PR_SET_PDEATHSIG), so a test process that is killed
    // (e.g. by a ctest timeout) leaves no server behind; create such a process on a thread that outlives it.
    ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env, std::string log_path,
                  bool die_with_parent = false);
    ~ServerProcess();  // SIGKILL if still running
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Waits until the log contains `needle`; false at the deadline or if the process exited.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const;
    // Waits for "coupon-server ready" and returns the HTTP port from "HTTP listening on <addr>:<port>".
    std::uint16_t wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
    std::string log() const;
    // Sends `signal` and waits for the exit; returns the exit status (or 128+signal), -1 on timeout.
    int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    bool running() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::string log_path_;
    mutable int exit_status_ = -1;
};

// Path of the built server binary (set by CMake).
std::string server_binary();

// The environment of a server on loopback port 0 with the embedded broker and SQLite under `data_dir`,
// whatever the calling shell exports (a real cluster's address, an admin token, an auth mode), with the
// mock-friendly group timings (DESIGN.md section 7). `admin_token` empty: none from any source.
std::map<std::string, std::string> embedded_server_env(const std::string& data_dir, const std::string& admin_token);

}  // namespace coupon::test
