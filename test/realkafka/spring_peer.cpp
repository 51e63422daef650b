#include "spring_peer.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace coupon::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

SpringPeer::SpringPeer(const std::string& dir, std::vector<std::string> args)
    : out_path_(dir + "/spring-peer-" + args.at(0) + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".out"),
      err_path_(out_path_ + ".err") {
    args.insert(args.begin(), COUPON_SPRING_PEER_SCRIPT);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out >= 0) ::dup2(out, STDOUT_FILENO);
        if (err >= 0) ::dup2(err, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

SpringPeer::~SpringPeer() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(10));
    }
}

bool SpringPeer::running() const {
    if (pid_ <= 0 || exit_status_ >= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
}

int SpringPeer::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (running()) {
        ::kill(pid_, SIGKILL);
        while (running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_status_;
}

int SpringPeer::stop() {
    if (running()) ::kill(pid_, SIGTERM);
    return wait_exit(std::chrono::seconds(30));
}

std::vector<boost::json::object> SpringPeer::lines() const {
    std::vector<boost::json::object> out;
    std::istringstream in(read_file(out_path_));
    std::string line;
    while (std::getline(in, line)) {
        if (in.eof()) break;  // a line still being written
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
    }
    return out;
}

bool SpringPeer::wait_until(const std::function<bool(const std::vector<boost::json::object>&)>& done,
                            std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done(lines())) return true;
        if (!running()) return done(lines());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::string SpringPeer::errors() const { return read_file(err_path_); }

std::vector<boost::json::object> peer_events(const std::vector<boost::json::object>& lines, const std::string& kind,
                                             const std::string& topic) {
    std::vector<boost::json::object> out;
    for (const auto& l : lines) {
        const auto* event = l.if_contains("event");
        if (!event || !event->is_string() || event->as_string() != kind) continue;
        if (!topic.empty()) {
            const auto* t = l.if_contains("topic");
            if (!t || !t->is_string() || t->as_string() != topic) continue;
        }
        out.push_back(l);
    }
    return out;
}

}  // namespace coupon::test
