#include "flood.hpp"

#include <fmt/format.h>

#include <map>
#include <thread>

namespace coupon::test {

std::vector<Planned> make_plan(std::mt19937_64& rng, int count, int users,
                               const std::vector<std::pair<std::int64_t, double>>& policy_weights,
                               const std::vector<int>& nodes) {
    std::vector<double> weights;
    for (const auto& [policy, weight] : policy_weights) weights.push_back(weight);
    std::discrete_distribution<std::size_t> pick_policy(weights.begin(), weights.end());
    std::uniform_int_distribution<std::int64_t> pick_user(1, users);
    std::vector<Planned> plan;
    plan.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        Planned p;
        p.user = pick_user(rng);
        p.policy = policy_weights[pick_policy(rng)].first;
        p.node = nodes[static_cast<std::size_t>(i) % nodes.size()];
        plan.push_back(p);
    }
    return plan;
}

std::vector<Sent> flood(const Cluster& cluster, const std::vector<Planned>& plan, int phase, const FloodOptions& options) {
    std::vector<Sent> sent(plan.size());
    std::map<int, std::vector<std::size_t>> by_node;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        sent[i].plan = plan[i];
        sent[i].phase = phase;
        by_node[plan[i].node].push_back(i);
    }
    std::vector<std::thread> senders;
    for (const auto& [node, indexes] : by_node) {
        senders.emplace_back([&, node = node, indexes = indexes] {
            int wave = 0;
            for (std::size_t start = 0; start < indexes.size(); start += options.wave, ++wave) {
                if (options.before_wave) options.before_wave(node, wave);
                if (wave > 0 && options.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options.pause_ms));
                const std::size_t end = std::min(indexes.size(), start + options.wave);
                std::vector<HttpCall> calls;
                for (std::size_t k = start; k < end; ++k) {
                    const Planned& p = plan[indexes[k]];
                    calls.push_back({"POST", fmt::format("/api/coupons/{}", p.user), fmt::format(R"({{"couponPolicyId":{}}})", p.policy), {}});
                    if (options.async_every > 0 && k % static_cast<std::size_t>(options.async_every) == 0) {
                        calls.back().headers["Prefer"] = "respond-async";
                    }
                }
                const std::uint16_t port = cluster.port(node);
                auto replies = port == 0 ? std::vector<HttpReply>(calls.size()) : http_all_at_once(port, calls, options.timeout_ms);
                for (std::size_t k = start; k < end; ++k) sent[indexes[k]].reply = std::move(replies[k - start]);
            }
        });
    }
    for (auto& t : senders) t.join();
    return sent;
}

}  // namespace coupon::test
