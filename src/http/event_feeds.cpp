// GET /api/coupon-requests/{requestId}/events and GET /api/coupon-policies/{id}/events: Server-Sent Events
// for a waiting client and for a shop's page (docs/request-states.md, "Live outcomes"); and
// GET /api/admin/overview/events for the operator page (docs/operator-page.md). The handlers run on
// the blocking pool (they read the database); the feeds run on the EventStreams ticker.
#include <boost/json.hpp>

#include <mutex>
#include <optional>

#include "coupon/base/time_format.hpp"
#include "event_streams.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "issue_answers.hpp"
#include "coupon/http/admin_auth.hpp"
#include "json_views.hpp"
#include "operator_overview.hpp"
#include "request_lookup.hpp"

namespace coupon::http {
namespace {

Response streams_full(const ApiContext& context, std::size_t max) {
    auto response = error_response(503, "EVENT_STREAMS_FULL",
                                   "too many open event streams (" + std::to_string(max) +
                                       "); retry shortly, or poll the status URL");
    response.headers.set("Retry-After", std::to_string(context.config.retry_after_seconds));
    return response;
}

Response stream_response(std::shared_ptr<StreamBody> body) {
    Response response;
    response.status = 200;
    response.headers.set("Content-Type", "text/event-stream");
    response.headers.set("Cache-Control", "no-store");
    response.headers.set("X-Accel-Buffering", "no");  // a buffering proxy (nginx) would hold the events back
    response.stream = std::move(body);
    return response;
}

// Where an outcome read by the result listener (any thread) waits for the ticker. Shared with the board's
// watcher, which may run after the feed is gone.
struct Mailbox {
    std::mutex mutex;
    std::optional<domain::IssueResult> result;
};

class RequestFeed final : public EventFeed {
public:
    RequestFeed(Context context, RequestLookup found) : context_(std::move(context)), found_(std::move(found)) {}
    ~RequestFeed() override {
        if (watch_) context_->deps.board.unwatch(found_.id, *watch_);
    }

    // Registers for the outcome; a result that comes before the first tick waits in the mailbox.
    void watch(const std::weak_ptr<EventStreams>& streams) {
        watch_ = context_->deps.board.watch(found_.id, [mailbox = mailbox_, streams](const domain::IssueResult& r) {
            {
                std::lock_guard lock(mailbox->mutex);
                if (!mailbox->result) mailbox->result = r;
            }
            if (auto s = streams.lock()) s->wake();
        });
    }
    void deliver(const domain::IssueResult& result) {
        std::lock_guard lock(mailbox_->mutex);
        if (!mailbox_->result) mailbox_->result = result;
    }

    bool tick(StreamBody& body) override {
        std::optional<domain::IssueResult> result;
        {
            std::lock_guard lock(mailbox_->mutex);
            result = mailbox_->result;
        }
        auto& board = context_->deps.board;
        if (!result && found_.local) {
            if (auto status = board.status(found_.id)) {
                result = status->result;
                found_.state = status->state;
                if (status->policy != 0) found_.policy = status->policy;
            }
        }
        if (result) return outcome(body, *result);
        if (found_.state == OutcomeBoard::State::NotQueued) {
            boost::json::object data{{"requestId", found_.id}, {"status", "NOT_QUEUED"},
                                     {"message", "the broker did not store the request; it will not be decided, send it again"}};
            body.write(sse_event("outcome", boost::json::serialize(data)));
            body.end();
            return false;
        }
        auto* topic = context_->deps.stored_requests;
        if (found_.state != OutcomeBoard::State::Pending || !found_.where || !topic) return true;
        // One broker round trip per 250 ms at most, shared by every stream (PartitionProgress samples).
        const auto place = topic->place_in_queue(*found_.where);
        if (!place) return true;
        std::optional<std::int64_t> remaining;
        if (auto stock = board.stock(found_.policy); stock && found_.policy != 0) remaining = stock->remaining;
        const bool likely = likely_sold_out(place->ahead, remaining);
        if (last_position_ == place->ahead && last_likely_ == likely) return true;  // coalesced: only changes
        last_position_ = place->ahead;
        last_likely_ = likely;
        boost::json::object data{{"requestId", found_.id}, {"status", "PENDING"}};
        std::int64_t retry_after = 0;
        add_queue_place(data, retry_after, place, remaining);
        body.write(sse_event("position", boost::json::serialize(data)));
        return true;
    }

private:
    bool outcome(StreamBody& body, const domain::IssueResult& result) {
        const std::string data = may_see(found_.caller, result)
                                     ? boost::json::serialize(request_status_json(result))
                                     : request_not_found(found_.id).body;
        body.write(sse_event("outcome", data));
        body.end();
        return false;
    }

    Context context_;
    RequestLookup found_;
    std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
    std::optional<std::uint64_t> watch_;
    std::optional<std::int64_t> last_position_;
    std::optional<bool> last_likely_;
};

class PolicyFeed final : public EventFeed {
public:
    PolicyFeed(Context context, domain::CouponPolicy policy) : context_(std::move(context)), policy_(std::move(policy)) {}

    bool tick(StreamBody& body) override {
        auto& board = context_->deps.board;
        const auto stock = board.stock(policy_.id);
        const std::int64_t remaining = stock ? stock->remaining : policy_.remaining();
        const bool sold_out = remaining <= 0 || board.is_sold_out(policy_.id);
        if (!last_ || *last_ != remaining) {
            last_ = remaining;
            boost::json::object data{{"policyId", policy_.id}, {"totalQuantity", policy_.total_quantity},
                                     {"remaining", remaining}};
            body.write(sse_event("stock", boost::json::serialize(data)));
        }
        if (!sold_out) return true;
        boost::json::object data{{"policyId", policy_.id}, {"remaining", 0}};
        if (stock && stock->sold_out_at) {
            data["soldOutAt"] = base::format_time(*stock->sold_out_at);
        } else {
            data["soldOutAt"] = nullptr;  // sold out before this node read its last results
        }
        body.write(sse_event("soldOut", boost::json::serialize(data)));
        body.end();
        return false;
    }

private:
    Context context_;
    domain::CouponPolicy policy_;
    std::optional<std::int64_t> last_;
};

}  // namespace

Handler make_request_events_handler(Context context, std::weak_ptr<EventStreams> streams) {
    return [context, streams](Request&& request, Respond respond) {
        auto hub = streams.lock();
        auto found = look_up_request(*context, request);  // the same 400/401/404/503 as the status GET
        if (found.answer) return void(respond(std::move(*found.answer)));
        if (!hub) return void(respond(streams_full(*context, 0)));
        auto body = hub->open();
        if (!body) return void(respond(streams_full(*context, hub->max_streams())));
        // Seeds the board's stock from the database when it knows none yet: the ticker only reads memory.
        if (!found.result) (void)remaining_stock(*context, found.policy);
        auto feed = std::make_shared<RequestFeed>(context, found);
        if (found.result) {
            feed->deliver(*found.result);
        } else {
            feed->watch(streams);
            // Decided between the lookup and the watch? The row is written before the result is published,
            // so one more read now closes that gap.
            if (auto result = context->deps.queries.find_result(found.id)) feed->deliver(*result);
        }
        hub->add(body, feed);
        respond(stream_response(std::move(body)));
    };
}

Handler make_policy_events_handler(Context context, std::weak_ptr<EventStreams> streams) {
    return [context, streams](Request&& request, Respond respond) {
        auto hub = streams.lock();
        const auto id = parse_id(request.param("id"));
        if (!id) return void(respond(invalid_id("id", request.param("id"))));
        const auto policy = context->deps.queries.find_policy(*id);
        if (!policy) {
            return void(respond(policy_not_found(*id)));
        }
        if (!hub) return void(respond(streams_full(*context, 0)));
        auto body = hub->open();
        if (!body) return void(respond(streams_full(*context, hub->max_streams())));
        // Remembered only once the window has opened: before, an admin may still change the stock.
        if (policy->opened_by(context->deps.clock.now())) {
            context->deps.board.learn_stock(policy->id, policy->remaining());
        }
        hub->add(body, std::make_shared<PolicyFeed>(context, *policy));
        respond(stream_response(std::move(body)));
    };
}

namespace {

// The operator page's figures, a snapshot at most every kOverviewEvery: readable during a flood, and one
// bounded policy query per snapshot on the ticker (docs/operator-page.md).
class OverviewFeed final : public EventFeed {
public:
    explicit OverviewFeed(Context context) : context_(std::move(context)) {}

    bool tick(StreamBody& body) override {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_) return true;
        next_ = now + kOverviewEvery;
        body.write(sse_event("overview", operator_overview_json(*context_)));
        return true;  // open until the client leaves, the lifetime ends or the server stops
    }

private:
    static constexpr std::chrono::milliseconds kOverviewEvery{500};
    Context context_;
    std::chrono::steady_clock::time_point next_{};
};

}  // namespace

Handler make_overview_events_handler(Context context, std::weak_ptr<EventStreams> streams) {
    return [context, streams](Request&& request, Respond respond) {
        if (auto denied = check_admin(context->config.admin_token, request, context->auth.get())) {
            return void(respond(std::move(*denied)));
        }
        auto hub = streams.lock();
        if (!hub) return void(respond(streams_full(*context, 0)));
        auto body = hub->open();
        if (!body) return void(respond(streams_full(*context, hub->max_streams())));
        hub->add(body, std::make_shared<OverviewFeed>(context));
        respond(stream_response(std::move(body)));
    };
}

}  // namespace coupon::http
