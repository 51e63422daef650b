#include "ownership.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

namespace coupon::test {
namespace {

struct Event {
    std::int64_t at_ms = 0;
    bool assign = false;
    int node = 0;
    int member = 0;
    std::vector<int> partitions;
};

// "2026-11-29T07:03:31.123Z" (the log's time) as milliseconds since the epoch; nullopt for anything else.
std::optional<std::int64_t> log_time_ms(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
    if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) != 7) return std::nullopt;
    using namespace std::chrono;
    const sys_days day = year(y) / month(static_cast<unsigned>(mo)) / static_cast<unsigned>(d);
    return (day.time_since_epoch() + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms)) / milliseconds(1);
}

std::vector<int> partition_list(const std::string& text) {
    std::vector<int> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        if (!item.empty()) out.push_back(std::stoi(item));
    }
    return out;
}

}  // namespace

Ownership issue_topic_ownership(const std::vector<std::string>& logs, const std::string& topic) {
    // ConsumerWorker::on_rebalance: "assigned 3 partition(s) of T: 0,1,2 (EAGER, member 0)" and
    // "revoked 3 partition(s) of T: 0,1,2 (member 0)", with " (lost)" after the list when the group lost them.
    const std::regex line("^(\\S+) +\\S+ +\\[consumer\\] (assigned|revoked) \\d+ partition\\(s\\) of " + topic +
                          ": ([0-9,]*)(?: \\(lost\\))? \\((?:[A-Z]+, )?member (\\d+)\\)");
    std::vector<Event> events;
    for (std::size_t node = 0; node < logs.size(); ++node) {
        std::stringstream in(logs[node]);
        for (std::string text; std::getline(in, text);) {
            std::smatch m;
            if (!std::regex_search(text, m, line)) continue;
            const auto at = log_time_ms(m[1].str());
            if (!at) continue;
            events.push_back({*at, m[2] == "assigned", static_cast<int>(node), std::stoi(m[4].str()),
                              partition_list(m[3].str())});
        }
    }
    // At the same millisecond a revoke comes first: a hand-over inside one millisecond is no gap.
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return std::tie(a.at_ms, a.assign) < std::tie(b.at_ms, b.assign);
    });
    Ownership result;
    std::map<int, std::set<std::pair<int, int>>> owners;  // partition -> (node, member)
    std::map<int, std::int64_t> unowned_since;
    for (const Event& e : events) {
        std::string list;
        for (const int p : e.partitions) list += (list.empty() ? "" : ",") + std::to_string(p);
        result.timeline += fmt::format("  {:+9.3f}s node {} member {} {} {}\n",
                                       static_cast<double>(e.at_ms - events.front().at_ms) / 1000.0, e.node + 1, e.member,
                                       e.assign ? "assigned" : "revoked", list);
        for (const int p : e.partitions) {
            auto& who = owners[p];
            if (e.assign) {
                if (const auto since = unowned_since.find(p); since != unowned_since.end()) {
                    const double gap = static_cast<double>(e.at_ms - since->second) / 1000.0;
                    if (gap > result.longest_unowned_seconds) {
                        result.longest_unowned_seconds = gap;
                        result.longest_partition = p;
                    }
                    unowned_since.erase(since);
                }
                who.insert({e.node, e.member});
            } else {
                who.erase({e.node, e.member});
                if (who.empty() && !unowned_since.count(p)) {
                    unowned_since[p] = e.at_ms;
                    ++result.gaps;
                }
            }
        }
    }
    for (const auto& [p, since] : unowned_since) result.still_unowned.push_back(p);
    return result;
}

}  // namespace coupon::test
