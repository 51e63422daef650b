#pragma once
// How long partitions of the issue topic went without an owner, read from the nodes' assign and revoke log
// lines (ConsumerWorker logs both, with the partitions and the member). Meant for nodes that leave
// gracefully: a node killed with -9 writes no revoke, so its partitions look owned until the next assign.
#include <string>
#include <vector>

namespace coupon::test {

struct Ownership {
    double longest_unowned_seconds = 0;  // the longest time from a partition's revoke to its next assign
    int longest_partition = -1;
    int gaps = 0;                        // revokes that left a partition without an owner
    std::vector<int> still_unowned;      // revoked and not assigned again by the end of the logs
    std::string timeline;                // every assign and revoke in time order, one a line (for a failure)
};

// `logs`: one per node (Cluster::node_log), in any order. Only events of `topic` count.
Ownership issue_topic_ownership(const std::vector<std::string>& logs,
                                const std::string& topic = "coupon-issue-topic");

}  // namespace coupon::test
