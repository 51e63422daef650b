#pragma once
// A `coupon-server broker` process of the test's own: the shared embedded broker of scripts/cluster. Servers
// started with env() share its topics (a cluster of nodes); the test can pause it (SIGSTOP), resume or kill it.
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "server_process.hpp"
#include "temp_dir.hpp"

namespace coupon::test {

class SharedBroker {
public:
    SharedBroker() {
        const std::string file = dir_.path() + "/bootstrap";
        process_ = std::make_unique<ServerProcess>(std::vector<std::string>{"broker", "--bootstrap-file", file},
                                                   std::map<std::string, std::string>{}, dir_.path() + "/broker.log");
        if (!process_->wait_for_log("coupon-server broker ready", std::chrono::seconds(30))) {
            throw std::runtime_error("the broker did not start:\n" + process_->log());
        }
        std::ifstream in(file);
        std::getline(in, bootstrap_);
        if (bootstrap_.empty()) throw std::runtime_error("the broker wrote no bootstrap address");
    }
    ~SharedBroker() { resume(); }  // a stopped process would not see the destructor's SIGKILL until continued

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra) const {
        extra["COUPON_KAFKA_BOOTSTRAP_SERVERS"] = bootstrap_;
        extra["COUPON_KAFKA_EMBEDDED_SHARED"] = "true";
        return extra;
    }
    void pause() const { ::kill(process_->pid(), SIGSTOP); }
    void resume() const {
        if (process_->running()) ::kill(process_->pid(), SIGCONT);
    }
    void kill() const { process_->stop(SIGKILL, std::chrono::seconds(10)); }

private:
    TempDir dir_;
    std::unique_ptr<ServerProcess> process_;
    std::string bootstrap_;
};

}  // namespace coupon::test
