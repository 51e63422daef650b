#include "backlog_probe.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>


namespace coupon::messaging {
namespace {

constexpr int kBrokerTimeoutMs = 5000;

struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* o) const noexcept { rd_kafka_AdminOptions_destroy(o); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* e) const noexcept { rd_kafka_event_destroy(e); }
};

}  // namespace

void BacklogProbe::start() {
    // A consumer-type client that never subscribes: it joins no group and commits nothing.
    client_ = make_client(RD_KAFKA_CONSUMER, make_conf(config_, ClientRole::Probe));
}

std::int32_t BacklogProbe::partition_count(const std::string& topic, std::int32_t fallback) {
    return partition_count_or(client_.get(), topic, fallback, "backlog");
}

std::vector<BacklogProbe::Reading> BacklogProbe::empty_readings(const std::vector<Request>& requests) const {
    std::vector<Reading> out(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        out[i].high.assign(static_cast<std::size_t>(requests[i].partitions), 0);
        out[i].done.assign(static_cast<std::size_t>(requests[i].partitions), 0);
        if (!client_) out[i].error = "not started";
    }
    return out;
}

std::vector<BacklogProbe::Reading> BacklogProbe::read(const std::vector<Request>& requests) {
    std::vector<Reading> out = empty_readings(requests);
    if (!client_) return out;
    read_committed(requests, out);
    read_watermarks(requests, out);
    return out;
}

std::vector<BacklogProbe::Reading> BacklogProbe::read_committed(const std::vector<Request>& requests) {
    std::vector<Reading> out = empty_readings(requests);
    if (client_) read_committed(requests, out);
    return out;
}

void BacklogProbe::read_committed(const std::vector<Request>& requests, std::vector<Reading>& out) {
    QueueHandle queue(rd_kafka_queue_new(client_.get()));
    char err[256];
    std::size_t asked = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        PartitionList list(rd_kafka_topic_partition_list_new(requests[i].partitions));
        for (std::int32_t p = 0; p < requests[i].partitions; ++p) {
            rd_kafka_topic_partition_list_add(list.get(), requests[i].topic.c_str(), p);
        }
        rd_kafka_ListConsumerGroupOffsets_t* request =
            rd_kafka_ListConsumerGroupOffsets_new(requests[i].group.c_str(), list.get());
        std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
            rd_kafka_AdminOptions_new(client_.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS));
        rd_kafka_AdminOptions_set_request_timeout(options.get(), kBrokerTimeoutMs, err, sizeof err);
        rd_kafka_AdminOptions_set_opaque(options.get(), reinterpret_cast<void*>(i + 1));  // which request
        rd_kafka_ListConsumerGroupOffsets(client_.get(), &request, 1, options.get(), queue.get());
        rd_kafka_ListConsumerGroupOffsets_destroy(request);
        out[i].error = "no answer";  // until its event says otherwise
        ++asked;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBrokerTimeoutMs + 1000);
    for (std::size_t answered = 0; answered < asked;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), static_cast<int>(left.count())));
        if (!event) break;
        if (rd_kafka_event_type(event.get()) != RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT) continue;
        ++answered;
        const auto index = reinterpret_cast<std::size_t>(rd_kafka_event_opaque(event.get()));
        if (index == 0 || index > requests.size()) continue;
        Reading& reading = out[index - 1];
        if (rd_kafka_event_error(event.get())) {
            reading.error = rd_kafka_event_error_string(event.get());
            continue;
        }
        const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
        std::size_t groups = 0;
        const rd_kafka_group_result_t** group = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &groups);
        if (groups != 1) {
            reading.error = "unexpected answer";
            continue;
        }
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(group[0])) {
            reading.error = rd_kafka_error_string(e);
            continue;
        }
        const rd_kafka_topic_partition_list_t* partitions = rd_kafka_group_result_partitions(group[0]);
        reading.error.clear();
        for (int k = 0; partitions && k < partitions->cnt; ++k) {
            const auto& e = partitions->elems[k];
            if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                reading.error = rd_kafka_err2str(e.err);
            } else if (e.partition >= 0 && static_cast<std::size_t>(e.partition) < reading.done.size()) {
                reading.done[static_cast<std::size_t>(e.partition)] = std::max<std::int64_t>(0, e.offset);  // none: 0
            }
        }
    }
}

// Every partition of every request in one ListOffsets round per broker and end (rd_kafka_offsets_for_times
// with the LATEST and EARLIEST markers, the request rd_kafka_query_watermark_offsets makes for one partition).
// One partition at a time, a guard sampling four topics of 12 partitions every 150 ms kept the embedded broker
// answering about 650 requests a second on an idle node: most of its idle CPU.
void BacklogProbe::read_watermarks(const std::vector<Request>& requests, std::vector<Reading>& out) {
    PartitionList high(rd_kafka_topic_partition_list_new(0));
    for (std::size_t i = 0; i < requests.size(); ++i) {
        if (!out[i].error.empty()) continue;
        for (std::int32_t p = 0; p < requests[i].partitions; ++p) {
            rd_kafka_topic_partition_list_add(high.get(), requests[i].topic.c_str(), p)->offset = RD_KAFKA_OFFSET_END;
        }
    }
    if (high->cnt == 0) return;
    PartitionList low(rd_kafka_topic_partition_list_copy(high.get()));
    for (int k = 0; k < low->cnt; ++k) low->elems[k].offset = RD_KAFKA_OFFSET_BEGINNING;
    const rd_kafka_resp_err_t high_err = rd_kafka_offsets_for_times(client_.get(), high.get(), kBrokerTimeoutMs);
    const rd_kafka_resp_err_t low_err = high_err != RD_KAFKA_RESP_ERR_NO_ERROR
                                            ? high_err
                                            : rd_kafka_offsets_for_times(client_.get(), low.get(), kBrokerTimeoutMs);
    // The lists hold the requests' partitions in order; a request's error stops its reading, as before.
    int k = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        Reading& reading = out[i];
        if (!reading.error.empty()) continue;
        for (std::int32_t p = 0; p < requests[i].partitions; ++p, ++k) {
            const auto& h = high->elems[k];
            const auto& l = low->elems[k];
            rd_kafka_resp_err_t err = low_err != RD_KAFKA_RESP_ERR_NO_ERROR ? low_err : h.err;
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = l.err;
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (reading.error.empty()) reading.error = rd_kafka_err2str(err);
                continue;
            }
            auto& done = reading.done[static_cast<std::size_t>(p)];
            done = std::max<std::int64_t>(done, l.offset);  // nothing committed yet: from the log start
            reading.high[static_cast<std::size_t>(p)] = h.offset;
        }
    }
}

}  // namespace coupon::messaging
