# Sourced by scripts/bench: the scenarios of issue 7's table. Each starts a fresh server (so its peak RSS,
# thread count and database are its own), measures, checks, stops the server, then runs wrk against nginx
# with the same settings. Sizes come from scripts/bench (full or --quick).

create_policy() {  # URL STOCK -> id
  curl -s -m 10 -XPOST "$1/api/coupon-policies" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench\",\"totalQuantity\":$2,\"discountValue\":1000}" | sed -n 's/^{"id":\([0-9]*\).*/\1/p'
}

begin_scenario() {  # KEY "description"
  SCENARIO=$1
  SDIR=$RESULTS/$1
  mkdir -p "$SDIR"
  : >"$SDIR/checks.txt"
  : >"$SDIR/extra.env"
  echo "name=$1" >"$SDIR/meta.env"
  echo "description=$2" >>"$SDIR/meta.env"
  log "== $1: $2"
}

end_scenario() {
  $FIGURES row "$SDIR" | tee -a "$RESULTS/table.md"
  # The database is checked; keeping it would make a full run's results hundreds of MB.
  [[ ${BENCH_KEEP_DATA:-0} == 1 ]] || rm -rf "$SDIR/data"
}

# Starts the server for a scenario (extra VAR=value for its environment) and sets DB_KIND / DB_FILE.
scenario_server() {
  start_server "$SDIR" "$@"
  DB_KIND=sqlite
  DB_FILE=$SDIR/data/coupons.db
  local v
  for v in "$@"; do [[ $v == COUPON_DATABASE_URL=postgresql* ]] && DB_KIND=pg; done
  # An if, not `[[ ]] && echo`: the loop's status is its last test's, and a failing one would end the run (set -e).
  if [[ $DB_KIND == pg ]]; then PG_URL=$(for v in "$@"; do if [[ $v == COUPON_DATABASE_URL=* ]]; then echo "${v#*=}"; fi; done); fi
}

# Not measured: the producer's id, metadata and first fetches cost about 1 s on a fresh server.
warm_up() {
  ((WARMUP > 0)) || return 0
  local w
  w=$(create_policy "$SERVER_URL" 100000000)
  run_wrk "$SERVER_URL" "$SDIR/wrk-warmup.txt" "$WARMUP" 64 POLICIES="$w" USER_BASE=900000000
  wait_drained "$SERVER_URL" 0 0 60 || true
}

# measure_load CONNS POLICIES EXPECTED_STATUS STOCK_EXPECTED [VAR=value for wrk ...]
# One wrk phase against the running server: figures before/after (after the consumers caught up, so CPU
# and batch sizes include the work the load queued), checks, then the same wrk against nginx.
measure_load() {
  local conns=$1 pol=$2 expected=$3 stock=$4; shift 4
  {
    echo "connections=$conns"; echo "wrk_threads=$WRK_THREADS"; echo "seconds=$PHASE"
    echo "policies=$pol"; echo "expected_status=$expected"; echo "wrk_env=$*"
  } >>"$SDIR/meta.env"
  local acc0 out0
  snap_metrics "$SERVER_URL" "$SDIR/metrics-before.txt"
  read -r _ _ acc0 _ _ out0 _ < <(metric_sums "$SERVER_URL") || true
  snap_proc "$SERVER_PID" "$SDIR/proc-before.txt"
  sampler_start "$SERVER_URL" "$SERVER_PID"
  run_wrk "$SERVER_URL" "$SDIR/wrk-server.txt" "$PHASE" "$conns" POLICIES="$pol" "$@"
  wait_drained "$SERVER_URL" "$acc0" "$out0" "$DRAIN_LIMIT" || check consumers_caught_up 0 "within $DRAIN_LIMIT s"
  snap_proc "$SERVER_PID" "$SDIR/proc-after.txt"
  snap_metrics "$SERVER_URL" "$SDIR/metrics-after.txt"
  sampler_stop
  local accepted
  accepted=$($FIGURES metric "$SDIR/metrics-after.txt" coupon_kafka_requests_accepted_total)
  accepted=$((accepted - acc0 + ${PRE_ACCEPTED:-0}))
  check_outcome "$SERVER_URL" "$pol" "$accepted" "$stock"
  stop_server
  [[ ${KAFKA_AFTER_SERVER:-} == stop ]] && stop_kafka
  if ((!CHECK_ONLY)); then
    run_wrk "$NGINX_URL" "$SDIR/wrk-nginx.txt" "$PHASE" "$conns" POLICIES="$pol" "$@"
  fi
}

# 1. Full pipeline: synchronous POST, one hot policy (one partition), a new user each time, stock never
#    runs out; every answer comes after the database commit.
scenario_sync() {  # CONNS
  begin_scenario "1-sync-c$1" "sync POST, one hot policy, $1 connections, a new user per request"
  scenario_server
  warm_up
  local p
  p=$(create_policy "$SERVER_URL" 100000000)
  measure_load "$1" "$p" 200 open USER_BASE=0
  end_scenario
}

# 1 on real Kafka: scenario 1 on a real Apache Kafka broker (4.4.0, one broker, scripts/kafkatmp) instead of
#    the embedded one; its row sorts beside 1-sync-c$C_HIGH's. Only with --real-kafka (the broker's start and
#    its JVM are not worth every CI run). The broker stops with the server, before nginx's turn.
scenario_real_kafka() {
  begin_scenario "1-sync-realkafka-c$C_HIGH" \
    "sync POST as in 1-sync-c$C_HIGH, on Apache Kafka 4.4.0 (1 broker, scripts/kafkatmp) instead of the embedded broker"
  start_kafka
  scenario_server COUPON_KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP"
  warm_up
  local p
  p=$(create_policy "$SERVER_URL" 100000000)
  KAFKA_AFTER_SERVER=stop measure_load "$C_HIGH" "$p" 200 open USER_BASE=0
  end_scenario
}

# 2. Accept only: Prefer: respond-async, answered once the broker stored the request.
scenario_async() {
  begin_scenario "2-async-c$C_HIGH" "Prefer: respond-async, one hot policy, $C_HIGH connections"
  scenario_server
  warm_up
  local p
  p=$(create_policy "$SERVER_URL" 100000000)
  measure_load "$C_HIGH" "$p" 202 open ASYNC=1 USER_BASE=0
  end_scenario
}

# 3. The edge's answer: a sold-out policy, answered 409 from memory (no Kafka, no database).
scenario_sold_out() {
  begin_scenario "3-sold-out-c$C_HIGH" "sold-out answers (409 at the edge), $C_HIGH connections"
  scenario_server
  warm_up
  local p stock=$EDGE_STOCK acc0 out0 ok=0
  p=$(create_policy "$SERVER_URL" "$stock")
  read -r _ _ acc0 _ _ out0 _ < <(metric_sums "$SERVER_URL") || true
  # Sell it out (not measured): twice the stock, new users.
  run_wrk "$SERVER_URL" "$SDIR/wrk-fill.txt" 60 64 POLICIES="$p" USER_BASE=700000000 REQUESTS=$((2 * stock))
  wait_drained "$SERVER_URL" "$acc0" "$out0" 60 || true
  for _ in $(seq 1 50); do
    curl -s -m 5 -XPOST "$SERVER_URL/api/coupons/999999999" -H 'Content-Type: application/json' \
      -d "{\"couponPolicyId\":$p}" | grep -q COUPON_SOLD_OUT && { ok=1; break; }
    sleep 0.2
  done
  check edge_knows_sold_out "$ok" "a new user's request after the sell-out is answered COUPON_SOLD_OUT"
  # The fill's accepted requests are part of this policy's outcome check.
  local acc1
  read -r _ _ acc1 _ _ _ _ < <(metric_sums "$SERVER_URL") || true
  PRE_ACCEPTED=$((acc1 - acc0)) measure_load "$C_HIGH" "$p" 409 "$stock" USER_BASE=0
  end_scenario
}

# 6. Ten hot policies at once, each on its own partition (chosen with the producer's murmur2 partitioner).
#    scenario_ten realkafka: the same on Apache Kafka (--real-kafka), to tell the embedded broker's cost of
#    more partitions from the pipeline's.
scenario_ten() {
  local on=${1:-} kafka_after=""
  if [[ $on == realkafka ]]; then
    begin_scenario "6-ten-policies-realkafka-c$C_HIGH" \
      "sync POST, ten hot policies on ten partitions, $C_HIGH connections, on Apache Kafka 4.4.0 (1 broker, scripts/kafkatmp)"
    start_kafka
    scenario_server COUPON_KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP"
    kafka_after=stop
  else
    begin_scenario "6-ten-policies-c$C_HIGH" "sync POST, ten hot policies on ten partitions, $C_HIGH connections"
    scenario_server
  fi
  warm_up
  local ids=() seen=" " id part
  local -A partition_of=()
  while read -r id part; do partition_of[$id]=$part; done < <($FIGURES partitions 1 1000 "$PARTITIONS")
  for _ in $(seq 1 100); do
    id=$(create_policy "$SERVER_URL" 100000000)
    part=${partition_of[$id]:-$($FIGURES partition "$id" "$PARTITIONS")}
    if [[ $seen != *" $part "* ]]; then ids+=("$id"); seen+="$part "; fi
    ((${#ids[@]} == 10)) && break
  done
  local pol
  pol=$(IFS=,; echo "${ids[*]}")
  KAFKA_AFTER_SERVER=$kafka_after measure_load "$C_HIGH" "$pol" 200 open USER_BASE=0
  local parts
  parts=$(sql "SELECT COUNT(DISTINCT kafka_partition) FROM coupon_issue_request WHERE coupon_policy_id IN ($pol)")
  check ten_partitions "$(( parts == 10 ))" "the ten policies' requests were on $parts partitions"
  end_scenario
}

# 5. Flash sale: N requests from M users (drawn at random), stock S; wrk stops once all N were answered.
scenario_flash() {
  begin_scenario "5-flash-sale" "flash sale: $FLASH_N requests from $FLASH_USERS users, stock $FLASH_STOCK, $C_HIGH connections"
  scenario_server
  warm_up
  local p saved=$PHASE
  p=$(create_policy "$SERVER_URL" "$FLASH_STOCK")
  PHASE=$FLASH_LIMIT
  # DB_FILE / PG_URL outlive the server: the checks below read the database after it stopped.
  measure_load "$C_HIGH" "$p" 200,409 "$FLASH_STOCK" USER_BASE=0 USERS="$FLASH_USERS" REQUESTS="$FLASH_N"
  PHASE=$saved
  local answered statuses first last
  answered=$(sed -n 's/.* counted_answered=\([0-9]*\).*/\1/p' "$SDIR/wrk-server.txt")
  statuses=$(grep -o ' s[0-9]*=[0-9]*' "$SDIR/wrk-server.txt" | tr -d ' ' | tr '\n' ' ')
  check every_request_answered "$(( ${answered:-0} == FLASH_N ))" "$answered of $FLASH_N answered ($statuses)"
  first=$(sql "SELECT MIN(requested_at) FROM coupon_issue_request WHERE coupon_policy_id = $p")
  last=$(sql "SELECT MAX(issued_at) FROM coupon WHERE coupon_policy_id = $p")
  echo "time_to_sold_out_s=$(python3 -c "
from datetime import datetime
f = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
print('%.2f' % (f('$last') - f('$first')).total_seconds())" 2>/dev/null || echo -)" >>"$SDIR/extra.env"
  echo "answers=$statuses" >>"$SDIR/extra.env"
  if [[ -f $SDIR/wrk-nginx.txt ]]; then
    local nanswered
    nanswered=$(sed -n 's/.* counted_answered=\([0-9]*\).*/\1/p' "$SDIR/wrk-nginx.txt")
    check nginx_answered_all "$(( ${nanswered:-0} == FLASH_N ))" "nginx answered $nanswered of $FLASH_N"
  fi
  end_scenario
}

# 4. Backlog drain: BACKLOG_N requests already in the topic before any consumer runs. The embedded broker
#    runs alone (`coupon-server broker`); a node creates the policy and stops; the requests are produced
#    straight into the issue topic with kcat (same key, headers, JSON, partitioner and compression as the
#    server's producer); then a node starts and its consumers drain them. Rate = records decided between
#    the first and the last batch commit (decided_at in the database) / that time.
scenario_drain() {  # KEY [VAR=value for the node, e.g. a PostgreSQL database]
  local key=$1; shift
  begin_scenario "$key" "backlog drain: $BACKLOG_N requests of one policy already in the topic, then consumers start ($([[ "$*" == *postgresql* ]] && echo PostgreSQL || echo SQLite))"
  start_broker "$SDIR/broker"
  # One issue-topic member: the backlog is one policy, so one partition and one worker whatever the count,
  # and a second member that joins a moment late makes the embedded broker rebalance mid-drain (a 5 s
  # pause inside the measured span: seen at 15k instead of 47k issues/s).
  local node_env=(COUPON_KAFKA_BOOTSTRAP_SERVERS="$BOOTSTRAP" COUPON_KAFKA_EMBEDDED_SHARED=true
                  COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS=6000 COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS=1000
                  COUPON_KAFKA_CONSUMER_THREADS=1 "$@")
  # The node that creates the policy joins a consumer group of its own: on the embedded broker a member of
  # a stopped node can linger in its group until its session times out, and the draining node's group
  # would then rebalance in the middle of the drain (seen: rates of 16k instead of 50k issues/s).
  scenario_server "${node_env[@]}" COUPON_KAFKA_CONSUMER_GROUP_ID=bench-drain-setup
  local p part
  p=$(create_policy "$SERVER_URL" 100000000)
  stop_server
  part=$($FIGURES partition "$p" "$PARTITIONS")
  # Request ids as the front end makes them (http/request_id.cpp: UUID version 7, the first 48 bits the
  # accept time in ms, so ids of later requests sort later), here at 30 requests a millisecond.
  # BACKLOG_IDS=random gives version-4-like random ids instead (a producer of its own, e.g. Spring's
  # UUID.randomUUID()): every insert then lands at a random place of the request_id index.
  awk -v n="$BACKLOG_N" -v p="$p" -v at="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" -v ms0="$(date +%s%3N)" \
      -v random_ids="$([[ ${BACKLOG_IDS:-v7} == random ]] && echo 1 || echo 0)" 'BEGIN {
      srand(7)
      for (i = 1; i <= n; i++) {
        ms = ms0 + int(i / 30)
        if (random_ids) id = sprintf("%08x-%04x-4%03x-8%03x-%012d", int(rand() * 4294967295), int(rand() * 65535),
                                     int(rand() * 4095), int(rand() * 4095), i)
        else id = sprintf("%08x-%04x-7%03x-8%03x-%012d", int(ms / 65536), ms % 65536, int(rand() * 4095),
                          int(rand() * 4095), i)
        printf "%d\t{\"userId\":%d,\"couponPolicyId\":%d,\"requestId\":\"%s\",\"requestedAt\":\"%s\"}\n",
          p, 600000000 + i, p, id, at
      }
    }' >"$SDIR/backlog.tsv"
  kcat -b "$BOOTSTRAP" -P -t coupon-issue-topic -K $'\t' -H __TypeId__=couponIssueRequest -z snappy \
    -X partitioner=murmur2_random -X linger.ms=20 -X acks=all -l "$SDIR/backlog.tsv" 2>>"$SDIR/kcat.log" \
    || check backlog_produced 0 "kcat failed: $(tail -n 3 "$SDIR/kcat.log")"
  local lo hi
  lo=$(timeout 20 kcat -b "$BOOTSTRAP" -C -t coupon-issue-topic -p "$part" -o beginning -c 1 -e -f '%o\n' 2>/dev/null)
  hi=$(timeout 20 kcat -b "$BOOTSTRAP" -C -t coupon-issue-topic -p "$part" -o -1 -c 1 -e -f '%o\n' 2>/dev/null)
  check backlog_in_topic "$(( ${lo:-1} == 0 && ${hi:--1} == BACKLOG_N - 1 ))" \
    "partition $part holds offsets ${lo:-?}..${hi:-?} (the broker keeps at most 5 MiB a partition)"
  rm -f "$SDIR/backlog.tsv"
  # Consumers start now.
  : >"$SDIR/metrics-before.txt"
  start_server "$SDIR" "${node_env[@]}"
  snap_proc "$SERVER_PID" "$SDIR/proc-before.txt"
  snap_proc "$BROKER_PID" "$SDIR/broker-before.txt"  # the broker runs apart here: its CPU is the drain's too
  sampler_start "$SERVER_URL" "$SERVER_PID"
  local o=0 start_s
  start_s=$(date +%s)
  # Done when the database holds an outcome for every request: the outcomes counter also counts records
  # decided again after a rebalance (the mock refuses commits while its group joins), so it can run ahead.
  while (( $(date +%s) - start_s < DRAIN_LIMIT )); do
    read -r _ _ _ _ _ o _ < <(metric_sums "$SERVER_URL") || true
    if (( ${o:-0} >= BACKLOG_N )); then
      o=$(sql "SELECT COUNT(*) FROM coupon_issue_request WHERE coupon_policy_id = $p AND outcome <> 'PENDING'")
      (( ${o:-0} >= BACKLOG_N )) && break
    fi
    sleep 0.2
  done
  snap_proc "$SERVER_PID" "$SDIR/proc-after.txt"
  snap_proc "$BROKER_PID" "$SDIR/broker-after.txt"
  snap_metrics "$SERVER_URL" "$SDIR/metrics-after.txt"
  sampler_stop
  check consumers_caught_up "$(( ${o:-0} >= BACKLOG_N ))" "$o of $BACKLOG_N decided within $DRAIN_LIMIT s"
  check_outcome "$SERVER_URL" "$p" "$BACKLOG_N" open
  local t0 t1 n0
  t0=$(sql "SELECT MIN(decided_at) FROM coupon_issue_request WHERE coupon_policy_id = $p")
  t1=$(sql "SELECT MAX(decided_at) FROM coupon_issue_request WHERE coupon_policy_id = $p")
  n0=$(sql "SELECT COUNT(*) FROM coupon_issue_request WHERE coupon_policy_id = $p AND decided_at = '$t0'")
  local rate
  rate=$(python3 -c "
from datetime import datetime
f = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
d = (f('$t1') - f('$t0')).total_seconds()
print('%.0f' % (($BACKLOG_N - $n0) / d) if d > 0 else '')" 2>/dev/null || true)
  { echo "rate=$rate"; echo "requests=$BACKLOG_N"; echo "expected_status=200"; } >>"$SDIR/meta.env"
  echo "drain_span_s=$(python3 -c "
from datetime import datetime
f = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
print('%.2f' % (f('$t1') - f('$t0')).total_seconds())" 2>/dev/null)" >>"$SDIR/extra.env"
  echo "first_batch=$n0" >>"$SDIR/extra.env"
  stop_server
  stop_pid "$BROKER_PID" 15
  store_reference "$@"
  end_scenario
}

# The drain's reference in the same run: the store alone (store_bench: the same store code, database kind,
# batch size and SQLite sync as the draining node, no Kafka) issuing BACKLOG_N new users' requests. The
# drain's "x ref" is its rate over this one: the share of its database's own speed the pipeline keeps.
store_reference() {  # [COUPON_DATABASE_URL=... as the drain's node had]
  ((CHECK_ONLY)) && return 0
  [[ -x $STORE_BENCH ]] || { log "no $STORE_BENCH: the drain gets no store reference"; return 0; }
  local consumed batches batch target out rate
  consumed=$($FIGURES metric "$SDIR/metrics-after.txt" coupon_kafka_consumed_records_total)
  batches=$($FIGURES metric "$SDIR/metrics-after.txt" coupon_kafka_batches_total)
  (( ${batches:-0} > 0 )) || { log "no batches counted: the drain gets no store reference"; return 0; }
  batch=$(( (consumed + batches / 2) / batches ))
  if [[ "$*" == *COUPON_DATABASE_URL=* ]]; then
    psql -XAtq "$PG_BASE_URL" -c "CREATE DATABASE bench_store" >/dev/null
    target=${PG_BASE_URL/coupon_test/bench_store}
  else
    target=$SDIR  # the same file system as the node's SQLite file; store_bench removes its own directory
  fi
  # --full-sync: a node with a broker of its own (as here) runs SQLite with synchronous=FULL.
  out=$("$STORE_BENCH" --new-only --full-sync $(( (BACKLOG_N + batch - 1) / batch )) "$batch" "$target" 2>&1) \
    || { log "store_bench failed: $(tail -n 3 <<<"$out")"; return 0; }
  echo "$out" >"$SDIR/store-bench.txt"
  rate=$(sed -n 's/.*all issued (new users): *\([0-9]*\) req\/s.*/\1/p' <<<"$out")
  [[ -n $rate ]] || { log "no rate in store_bench's output ($SDIR/store-bench.txt)"; return 0; }
  { echo "reference_rate=$rate"; echo "reference=store"; } >>"$SDIR/meta.env"
  echo "store_batch=$batch" >>"$SDIR/extra.env"
}

# 7. Scenario 1 on PostgreSQL (throwaway server, durable settings).
scenario_pg() {
  begin_scenario "7-sync-pg-c$C_HIGH" "sync POST on PostgreSQL (fsync on), one hot policy, $C_HIGH connections"
  psql -XAtq "$PG_BASE_URL" -c "CREATE DATABASE bench_sync" >/dev/null
  scenario_server COUPON_DATABASE_URL="${PG_BASE_URL/coupon_test/bench_sync}"
  warm_up
  local p
  p=$(create_policy "$SERVER_URL" 100000000)
  measure_load "$C_HIGH" "$p" 200 open USER_BASE=0
  end_scenario
}
