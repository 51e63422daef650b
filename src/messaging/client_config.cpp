#include "client_config.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "coupon/base/log.hpp"
#include "coupon/base/redact.hpp"

namespace coupon::messaging {
namespace {

// librdkafka logs from its own threads: route the lines into our log (syslog levels).
void log_callback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    const char* name = rk ? rd_kafka_name(rk) : "?";
    if (level <= 3) {
        log::error("rdkafka", "{} {}: {}", name, facility, message);
    } else if (level == 4) {
        log::warn("rdkafka", "{} {}: {}", name, facility, message);
    } else if (level <= 6) {
        log::info("rdkafka", "{} {}: {}", name, facility, message);
    } else {
        log::debug("rdkafka", "{} {}: {}", name, facility, message);
    }
}

// Without an error_cb librdkafka only keeps errors on its queue; log them so "broker down" is visible.
void error_callback(rd_kafka_t* rk, int err, const char* reason, void*) {
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT) return;  // the log callback already reported the disconnect
    log::warn("rdkafka", "{} error {}: {}", rd_kafka_name(rk), rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
              reason);
}

void apply_properties(rd_kafka_conf_t* conf, const Properties& properties) {
    for (const auto& [name, value] : properties) set_property(conf, name, value);
}

Properties role_defaults(const KafkaConfig& config, ClientRole role) {
    static std::atomic<int> listener_seq{0};
    switch (role) {
        case ClientRole::Producer:
            return {};  // the seed's settings are config.producer's defaults (kafka_config.hpp)
        case ClientRole::GroupConsumer: {
            // What the service's promise needs whatever the user's maps say is enforced at load time
            // (src/app/config.cpp refuses auto commits); these make it so for a hand-built KafkaConfig too.
            Properties p{{"group.id", config.group_id},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         // Eager, not cooperative-sticky: librdkafka before 2.3 aborts in the sticky assignor
                         // when a member closes or loses its assignment before its first one (upstream #4381:
                         // rd_kafka_sticky_assignor_state_destroy, seen in the kafka tier), and a commit during
                         // an incremental rebalance makes the assignment lost (upstream #4059: the "(lost)"
                         // revokes every few seconds and "generation id is not valid" of issue 8 item 13).
                         {"partition.assignment.strategy", "range"}};
            if (config.embedded_broker) p["fetch.wait.max.ms"] = std::to_string(config.embedded.fetch_wait_max.count());
            return p;
        }
        case ClientRole::Listener: {
            // assign() needs a group.id; a private one that never subscribes or commits joins nothing.
            Properties p{{"group.id", "coupon-result-listener-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(listener_seq.fetch_add(1))},
                         {"enable.auto.commit", "false"},
                         {"enable.auto.offset.store", "false"},
                         {"isolation.level", "read_committed"}};
            if (config.embedded_broker) p["fetch.wait.max.ms"] = std::to_string(config.embedded.fetch_wait_max.count());
            return p;
        }
        case ClientRole::Probe:
            return {{"group.id", config.group_id}, {"enable.auto.commit", "false"}};
    }
    return {};
}

}  // namespace

void set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char err[512];
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        throw std::invalid_argument("kafka property " + name + "=" + base::shown_property_value(name, value) + ": " +
                                    err);
    }
}

namespace {

// Once per process: the cooperative protocol was asked for on a librdkafka with its known aborts.
void warn_if_cooperative_is_unsafe(const KafkaConfig& config) {
    static std::once_flag once;
    for (const Properties* p : {&config.consumer, &config.common}) {
        auto it = p->find("partition.assignment.strategy");
        if (it == p->end() || it->second.find("cooperative") == std::string::npos) continue;
        constexpr int kFirstSafe = 0x020300ff;  // librdkafka 2.3.0 (fixes upstream #4381)
        if (rd_kafka_version() >= kFirstSafe) return;
        std::call_once(once, [&] {
            log::warn("rdkafka", "partition.assignment.strategy={} on librdkafka {}: its cooperative protocol aborts "
                      "the process when a member closes during a rebalance (upstream #4381, fixed in 2.3.0) and "
                      "loses assignments on commits during a rebalance (upstream #4059); the default (range) is safe",
                      it->second, rd_kafka_version_str());
        });
        return;
    }
}

// A group member's session on the embedded broker: at most embedded.session_timeout_max, the heartbeat at
// most a sixth of it (the mock's rebalances wait the session less 1 s; kafka_config.hpp has the figures).
Properties embedded_session(const KafkaConfig& config) {
    auto configured = [&](const char* name, long long fallback) {
        long long value = fallback;
        for (const Properties* p : {&config.common, &config.consumer}) {
            // librdkafka accepted it already (make_conf applied the maps first): an integer
            if (auto it = p->find(name); it != p->end()) value = std::stoll(it->second);
        }
        return value;
    };
    const long long session =
        std::min(configured("session.timeout.ms", 45000), static_cast<long long>(config.embedded.session_timeout_max.count()));
    const long long heartbeat = std::min(configured("heartbeat.interval.ms", 3000), std::max(100LL, session / 6));
    return {{"session.timeout.ms", std::to_string(session)}, {"heartbeat.interval.ms", std::to_string(heartbeat)}};
}

}  // namespace

ConfHandle make_conf(const KafkaConfig& config, ClientRole role, const Properties& overrides) {
    if (role == ClientRole::GroupConsumer) warn_if_cooperative_is_unsafe(config);
    ConfHandle conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), log_callback);
    rd_kafka_conf_set_error_cb(conf.get(), error_callback);
    if (!config.bootstrap_servers.empty()) set_property(conf.get(), "bootstrap.servers", config.bootstrap_servers);
    set_property(conf.get(), "client.id", "coupon-server");
    apply_properties(conf.get(), role_defaults(config, role));
    apply_properties(conf.get(), config.common);
    apply_properties(conf.get(), role == ClientRole::Producer ? config.producer : config.consumer);
    if (role == ClientRole::GroupConsumer && config.embedded_broker) apply_properties(conf.get(), embedded_session(config));
    if (role == ClientRole::Listener || role == ClientRole::Probe) {
        // These must never commit or join, whatever the user's consumer map says.
        Properties fixed = role_defaults(config, role);
        fixed.erase("fetch.wait.max.ms");
        fixed.erase("isolation.level");
        apply_properties(conf.get(), fixed);
    }
    apply_properties(conf.get(), overrides);
    return conf;
}

KafkaHandle make_client(rd_kafka_type_t type, ConfHandle conf) {
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
    if (!rk) throw std::runtime_error(std::string("cannot create Kafka client: ") + err);
    (void)conf.release();  // rd_kafka_new owns the configuration on success
    return KafkaHandle(rk);
}

std::int32_t partition_count_or(rd_kafka_t* rk, const std::string& topic, std::int32_t fallback,
                                const char* component) {
    try {
        return partition_count(rk, topic, std::chrono::seconds(10));
    } catch (const std::exception& e) {
        log::warn(component, "{}; assuming {} partitions", e.what(), fallback);
        return fallback;
    }
}

std::int32_t partition_count(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("metadata for topic " + topic + ": " + rd_kafka_err2str(err));
    }
    std::int32_t count = 0;
    std::string problem = "not found";
    for (int i = 0; i < md->topic_cnt; ++i) {
        if (topic != md->topics[i].topic) continue;
        if (md->topics[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            problem = rd_kafka_err2str(md->topics[i].err);
        } else {
            count = md->topics[i].partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(md);
    if (count <= 0) throw std::runtime_error("topic " + topic + ": " + problem);
    return count;
}

}  // namespace coupon::messaging
