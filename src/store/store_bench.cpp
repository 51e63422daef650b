// Throughput of the issue path (CouponIssuer over the SQLite or PostgreSQL IssueStore), as the consumer
// drives it: one transaction per batch. Prints figures; asserts nothing.
//   store_bench [--full-sync] [--new-only] [batches=200] [batch_size=500] [dir=/tmp | postgresql://...]
// --full-sync: SQLite's synchronous=FULL, what a node with an external broker runs (without: NORMAL, the
// embedded broker's setting). --new-only: only the first phase (every request a new user's, all issued),
// which is what scripts/bench's backlog drain does: it runs this beside the drain as the store's own rate.
// A PostgreSQL database is used as it is: each run makes its own policies and request ids.
#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/store/database.hpp"

using namespace coupon;
using Clock = std::chrono::steady_clock;

namespace {

struct Figures {
    double requests_per_s;
    double ms_per_batch;
};

// `make(i)` builds request number i; each request id is unique.
template <typename Make>
Figures run(domain::CouponIssuer& issuer, int batches, int batch_size, Make make) {
    std::vector<domain::IssueRequest> batch;
    const auto start = Clock::now();
    for (int b = 0; b < batches; ++b) {
        batch.clear();
        for (int i = 0; i < batch_size; ++i) batch.push_back(make(b * batch_size + i));
        issuer.apply(batch);
    }
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    return {batches * batch_size / s, s * 1000 / batches};
}

}  // namespace

int main(int argc, char** argv) {
    bool full_sync = false, new_only = false;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--full-sync") {
            full_sync = true;
        } else if (arg == "--new-only") {
            new_only = true;
        } else if (arg.starts_with("--")) {
            fmt::print(stderr, "store_bench: unknown option {}\n", arg);
            return 2;
        } else {
            args.push_back(arg);
        }
    }
    const int batches = args.size() > 0 ? std::stoi(args[0]) : 200;
    const int batch_size = args.size() > 1 ? std::stoi(args[1]) : 500;
    const std::string where = args.size() > 2 ? args[2] : std::string("/tmp");
    const bool postgresql = where.starts_with("postgresql://") || where.starts_with("postgres://");
    std::string dir;
    if (!postgresql) {
        std::string pattern = where + "/store_bench.XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) return 1;
        dir = pattern;
    }
    {
        store::DatabaseConfig config;
        config.url = postgresql ? where : "sqlite:" + dir + "/bench.db";
        config.sqlite_full_sync = full_sync;
        auto db = store::Database::open(config);
        const domain::SystemClock clock;
        auto store = db->issue_store();
        domain::CouponIssuer issuer(*store, clock);
        const std::int64_t n = std::int64_t{batches} * batch_size;
        domain::NewCouponPolicy policy;
        policy.name = "plenty";
        policy.total_quantity = n * 2;
        const auto plenty = db->queries().create_policy(policy).id;
        policy.name = "scarce";
        policy.total_quantity = n / 10;
        const auto scarce = db->queries().create_policy(policy).id;
        // Policy ids differ from run to run, so a reused PostgreSQL database sees fresh request ids.
        auto req = [run_tag = plenty](std::string prefix, int i, domain::UserId user, domain::PolicyId policy) {
            domain::IssueRequest r;
            r.request_id = fmt::format("{}-{}-{:08}", run_tag, prefix, i);
            r.user_id = user;
            r.policy_id = policy;
            r.partition = i % 12;
            r.offset = i;
            return r;
        };
        if (postgresql) {
            fmt::print("PostgreSQL (unnest batches), {} batches x {} requests\n", batches, batch_size);
        } else {
            fmt::print("SQLite WAL synchronous={}, {} batches x {} requests, file {}/bench.db\n",
                       full_sync ? "FULL" : "NORMAL", batches, batch_size, dir);
        }
        auto f = run(issuer, batches, batch_size, [&](int i) { return req("new", i, 1'000'000 + i, plenty); });
        fmt::print("  all issued (new users):            {:>9.0f} req/s  {:6.2f} ms/batch\n", f.requests_per_s,
                   f.ms_per_batch);
        if (!new_only) {
            f = run(issuer, batches, batch_size, [&](int i) { return req("again", i, 1'000'000 + i, plenty); });
            fmt::print("  all ALREADY_ISSUED (same users):   {:>9.0f} req/s  {:6.2f} ms/batch\n", f.requests_per_s,
                       f.ms_per_batch);
            f = run(issuer, batches, batch_size, [&](int i) { return req("scarce", i, 5'000'000 + i, scarce); });
            fmt::print("  10% issued then SOLD_OUT:          {:>9.0f} req/s  {:6.2f} ms/batch\n", f.requests_per_s,
                       f.ms_per_batch);
            f = run(issuer, batches, batch_size, [&](int i) { return req("new", i, 1'000'000 + i, plenty); });
            fmt::print("  redelivered (outcome known):       {:>9.0f} req/s  {:6.2f} ms/batch\n", f.requests_per_s,
                       f.ms_per_batch);
        }
    }
    if (!dir.empty()) std::filesystem::remove_all(dir);
    return 0;
}
