# Sourced by scripts/bench: taking figures (metrics, /proc, a sampler, wrk) and checking the outcome.
# Expects ROOT, LUA, WRK_THREADS, WRK_TIMEOUT, CHECK_ONLY; a scenario sets SDIR (its results directory).

FIGURES="python3 $ROOT/scripts/bench.d/figures.py"
FAILED=0

snap_metrics() { curl -s -m 10 "$1/metrics" >"$2" || : >"$2"; }

# snap_proc PID FILE: CPU ticks (utime + stime), threads, peak and current RSS of PID.
snap_proc() {
  local pid=$1 file=$2
  {
    echo "cpu_ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    echo "threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")"
    echo "hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")"
    echo "rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
  } >"$file"
  # Per thread (tid, name, CPU ticks, times it went to sleep), so two snapshots show where the CPU went
  # (rdkafka's broker threads, the consumers, the HTTP loops) and which threads are woken most: each
  # voluntary context switch is a sleep that another thread or an interrupt had to end. A name may hold
  # spaces; the ticks are the 14th and 15th stat fields.
  local t
  for t in /proc/"$pid"/task/*; do
    [[ -r $t/stat ]] || continue
    awk -v tid="${t##*/}" 'FNR == NR { sub(/^[^(]*\(/, ""); name = $0; sub(/\) .*$/, "", name); sub(/^.*\) /, "");
                                       gsub(/ /, "_", name); ticks = $12 + $13; next }
                           /^voluntary_ctxt_switches:/ { sleeps = $2 }
                           END { if (name != "") print tid, name, ticks, sleeps + 0 }' "$t/stat" "$t/status" 2>/dev/null
  done >"${file%.txt}.threads"
}

# One /metrics read reduced to the sums the sampler and the drain wait need:
# responses issued accepted consumed batches outcomes refused
metric_sums() {
  curl -s -m 5 "$1/metrics" | awk '
    /^#/ {next}
    { split($1, a, "{"); n = a[1]; v = $NF }
    n == "coupon_http_responses_total" {r += v}
    n == "coupon_issue_outcomes_total" {o += v; if ($1 ~ /outcome="ISSUED"/) i += v}
    n == "coupon_kafka_requests_accepted_total" {acc += v}
    n == "coupon_kafka_consumed_records_total" {c += v}
    n == "coupon_kafka_batches_total" {b += v}
    n == "coupon_http_issue_refused_total" {ref += v}
    END {printf "%d %d %d %d %d %d %d\n", r, i, acc, c, b, o, ref}'
}

# sampler_start URL PID: every 0.5 s a line "t responses issued accepted consumed batches threads rss_kb
# cpu_ticks" into $SDIR/samples.tsv (throughput and issued count over time for the plots).
sampler_start() {
  local url=$1 pid=$2
  echo "t responses issued accepted consumed batches threads rss_kb cpu_ticks" >"$SDIR/samples.tsv"
  (
    while kill -0 "$pid" 2>/dev/null; do
      t=$(date +%s.%N)
      read -r r i acc c b _ _ < <(metric_sums "$url") || true
      th=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
      rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
      cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null)
      echo "$t ${r:-0} ${i:-0} ${acc:-0} ${c:-0} ${b:-0} ${th:-0} ${rss:-0} ${cpu:-0}" >>"$SDIR/samples.tsv"
      sleep 0.5
    done
  ) &
  SAMPLER_PID=$!
  if ((PERF)); then
    # Release code has no frame pointers: -g walks only the first frame or two of our own functions.
    # BENCH_PERF_CALLGRAPH=dwarf unwinds from copies of the stack (whole call chains, inclusive times in
    # perf-callers.txt; a perf.data of tens of MB per scenario, so use a lower BENCH_PERF_FREQ for long ones).
    local call_graph=(-g)
    [[ ${BENCH_PERF_CALLGRAPH:-fp} == dwarf ]] && call_graph=(--call-graph dwarf,16384)
    perf record -F "${BENCH_PERF_FREQ:-999}" "${call_graph[@]}" -p "$pid" -o "$SDIR/perf.data" >"$SDIR/perf.log" 2>&1 &
    PERF_PID=$!
  fi
}

sampler_stop() {
  [[ -n ${SAMPLER_PID:-} ]] || return 0
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
  if [[ -n ${PERF_PID:-} ]]; then
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
    perf report -i "$SDIR/perf.data" --no-children --sort sym -g none --percent-limit 0.3 2>/dev/null \
      | grep -v '^#' | grep . >"$SDIR/perf-symbols.txt" || true
    perf report -i "$SDIR/perf.data" --no-children --sort comm -g none 2>/dev/null \
      | grep -v '^#' | grep . >"$SDIR/perf-threads.txt" || true
    if [[ ${BENCH_PERF_CALLGRAPH:-fp} == dwarf ]]; then
      # Each thread's functions with what they call (children), above 1% of all samples.
      perf report -i "$SDIR/perf.data" --children --sort comm,sym -g none --percent-limit 1 2>/dev/null \
        | grep -v '^#' | grep . >"$SDIR/perf-callers.txt" || true
    fi
  fi
  echo "max_threads=$(awk 'NR > 1 && $7 > m {m = $7} END {print m + 0}' "$SDIR/samples.tsv")" >>"$SDIR/meta.env"
}

# run_wrk URL OUT SECONDS CONNECTIONS [VAR=value ...]: wrk with post_coupons.lua. With REQUESTS=N among the
# variables, wrk is ended (SIGINT) once every thread answered its share, or after SECONDS.
run_wrk() {
  local url=$1 out=$2 secs=$3 conns=$4; shift 4
  local done_file="$out.done" counted=0 v
  for v in "$@"; do [[ $v == REQUESTS=* && $v != REQUESTS=0 ]] && counted=1; done
  rm -f "$done_file".*
  env WRK_THREADS="$WRK_THREADS" DONE_FILE="$done_file" "$@" \
    wrk -t"$WRK_THREADS" -c"$conns" -d"${secs}s" --timeout "$WRK_TIMEOUT" -s "$LUA" "$url" >"$out" 2>&1 &
  local wrk_pid=$!
  if ((counted)); then
    while kill -0 "$wrk_pid" 2>/dev/null; do
      if (($(compgen -G "$done_file.*" | wc -l) >= WRK_THREADS)); then kill -INT "$wrk_pid" 2>/dev/null; break; fi
      sleep 0.02
    done
  fi
  wait "$wrk_pid" || true
  rm -f "$done_file".*
  grep -q '^WRK ' "$out" || { log "wrk printed no figures:"; cat "$out" >&2; }
}

# wait_drained URL BEFORE_ACCEPTED BEFORE_OUTCOMES SECONDS: until every request the broker accepted since
# the snapshot has an outcome (consumers caught up), or SECONDS passed.
wait_drained() {
  local url=$1 acc0=$2 out0=$3 n=$(($4 * 5)) acc o
  for _ in $(seq 1 "$n"); do
    read -r _ _ acc _ _ o _ < <(metric_sums "$url") || true
    (( ${o:-0} - out0 >= ${acc:-0} - acc0 )) && return 0
    sleep 0.2
  done
  log "consumers did not catch up within $4 s"
  return 1
}

# --- checks against the database (sqlite3 CLI or psql) ---------------------------------------------------

# sql QUERY: one value. DB_KIND=sqlite with DB_FILE, or DB_KIND=pg with PG_URL.
sql() {
  if [[ $DB_KIND == sqlite ]]; then
    sqlite3 -cmd '.timeout 10000' "$DB_FILE" "$1"
  else
    psql -XAtq "$PG_URL" -c "$1"
  fi
}

check() {  # check NAME OK(0|1) DETAIL
  if [[ $2 == 1 ]]; then
    echo "ok $1 $3" >>"$SDIR/checks.txt"
  else
    echo "FAIL $1 $3" >>"$SDIR/checks.txt"
    log "CHECK FAILED ($SCENARIO): $1: $3"
    FAILED=1
  fi
}

# check_outcome URL POLICIES ACCEPTED_DELTA STOCK_EXPECTED
#   POLICIES: comma-separated ids of this scenario; ACCEPTED_DELTA: requests the broker accepted for them;
#   STOCK_EXPECTED: the exact number that must be issued (sold out), or "open" (stock never ran out:
#   every request was a new user, so every outcome must be ISSUED).
check_outcome() {
  local url=$1 pol=$2 accepted=$3 expect=$4
  local outcomes distinct coupons issued_outcomes dups policy_issued api_issued=0 id
  outcomes=$(sql "SELECT COUNT(*) FROM coupon_issue_request WHERE coupon_policy_id IN ($pol)")
  distinct=$(sql "SELECT COUNT(DISTINCT request_id) FROM coupon_issue_request WHERE coupon_policy_id IN ($pol)")
  coupons=$(sql "SELECT COUNT(*) FROM coupon WHERE coupon_policy_id IN ($pol)")
  issued_outcomes=$(sql "SELECT COUNT(*) FROM coupon_issue_request WHERE coupon_policy_id IN ($pol) AND outcome = 'ISSUED'")
  dups=$(sql "SELECT COUNT(*) FROM (SELECT user_id, coupon_policy_id FROM coupon WHERE coupon_policy_id IN ($pol) GROUP BY user_id, coupon_policy_id HAVING COUNT(*) > 1) d")
  policy_issued=$(sql "SELECT SUM(issued_quantity) FROM coupon_policy WHERE id IN ($pol)")
  for id in ${pol//,/ }; do
    api_issued=$((api_issued + $(curl -s -m 10 "$url/api/coupon-policies/$id" | sed 's/.*"issuedQuantity":\([0-9]*\).*/\1/')))
  done
  check every_accepted_decided "$(( outcomes == accepted && distinct == outcomes ))" \
    "accepted by the broker $accepted, outcome rows $outcomes (distinct request ids $distinct)"
  check no_user_twice "$(( dups == 0 ))" "users holding two coupons of one policy: $dups"
  check issued_consistent "$(( coupons == issued_outcomes && coupons == policy_issued && coupons == api_issued ))" \
    "coupon rows $coupons, ISSUED outcomes $issued_outcomes, policy issued_quantity $policy_issued, API issuedQuantity $api_issued"
  if [[ $expect == open ]]; then
    check all_issued "$(( coupons == outcomes ))" "stock never ran out and every user was new: $coupons issued of $outcomes decided"
  else
    check exactly_the_stock "$(( coupons == expect ))" "issued $coupons, stock $expect"
  fi
  echo "issued=$coupons" >>"$SDIR/extra.env"
}
