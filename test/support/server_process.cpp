#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "eventually.hpp"

extern char** environ;

namespace coupon::test {

std::string server_binary() { return COUPON_SERVER_BINARY; }

ServerProcess::ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                             std::string log_path, bool die_with_parent)
    : log_path_(std::move(log_path)) {
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (auto& [k, v] : env) merged[k] = v;
    std::vector<std::string> env_strings;
    for (auto& [k, v] : merged) env_strings.push_back(k + "=" + v);

    args.insert(args.begin(), server_binary());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        if (die_with_parent) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);  // the parent is already gone
        }
        const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
}

ServerProcess::~ServerProcess() {
    if (running()) stop(SIGKILL, std::chrono::seconds(10));
}

bool ServerProcess::running() const {
    if (pid_ <= 0 || exit_status_ >= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
}

std::string ServerProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool ServerProcess::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
    bool exited = false;
    const bool seen = eventually(
        [&] {
            if (log().find(needle) != std::string::npos) return true;
            exited = !running();
            return exited;
        },
        timeout, std::chrono::milliseconds(50));
    return seen && (!exited || log().find(needle) != std::string::npos);
}

std::uint16_t ServerProcess::wait_ready(std::chrono::milliseconds timeout) const {
    if (!wait_for_log("coupon-server ready", timeout)) return 0;
    static const std::regex listening(R"(HTTP listening on \S*:(\d+))");
    std::smatch m;
    const std::string text = log();
    if (!std::regex_search(text, m, listening)) return 0;
    return static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
    if (!running()) return exit_status_;
    ::kill(pid_, signal);
    if (eventually([this] { return !running(); }, timeout)) return exit_status_;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_status_ = 128 + SIGKILL;
    return -1;
}

std::map<std::string, std::string> embedded_server_env(const std::string& data_dir, const std::string& admin_token) {
    return {
        {"COUPON_HTTP_ADDRESS", "127.0.0.1"},
        {"COUPON_HTTP_PORT", "0"},
        {"COUPON_SERVER_DATA_DIR", data_dir},
        {"COUPON_DATABASE_URL", ""},
        {"COUPON_KAFKA_BOOTSTRAP_SERVERS", ""},
        {"COUPON_ADMIN_TOKEN", admin_token},
        {"COUPON_ADMIN_TOKEN_FILE", ""},
        {"COUPON_AUTH_MODE", ""},
        {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "6000"},
        {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"},
    };
}

}  // namespace coupon::test
