# Sourced by scripts/bench: the processes a benchmark starts (server, shared broker, nginx, PostgreSQL),
# each on loopback, each stopped by its own PID (never by name: other benchmarks may run the same binaries).
# Expects BIN (the Release coupon-server), WORK (the run's temp dir), ROOT, TOKEN.

STARTED_PIDS=()      # every server/broker PID, for the EXIT trap
NGINX_DIR=""
PG_DIR=""

log() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free loopback port"
}

# wait_log FILE NEEDLE PID SECONDS [FROM_LINE]: NEEDLE in FILE after line FROM_LINE (a restarted
# process appends to its predecessor's log, whose lines must not count).
wait_log() {
  local file=$1 needle=$2 pid=$3 n=$(($4 * 10)) from=${5:-0}
  for _ in $(seq 1 "$n"); do
    tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -qF "$needle" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n +"$((from + 1))" "$file" 2>/dev/null | grep -qF "$needle"
}

# start_server DIR [VAR=value ...]: a coupon-server on 127.0.0.1, port 0, data (SQLite unless
# COUPON_DATABASE_URL is given) in DIR/data. Sets SERVER_PID and SERVER_URL.
start_server() {
  local dir=$1; shift
  mkdir -p "$dir/data"
  local from=0
  [[ -f $dir/server.log ]] && from=$(wc -l <"$dir/server.log")
  env COUPON_HTTP_ADDRESS=127.0.0.1 COUPON_HTTP_PORT=0 COUPON_SERVER_DATA_DIR="$dir/data" \
    COUPON_ADMIN_TOKEN="$TOKEN" "$@" "$BIN" </dev/null >>"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  STARTED_PIDS+=("$SERVER_PID")
  if ! wait_log "$dir/server.log" "coupon-server ready" "$SERVER_PID" 120 "$from"; then
    tail -n 30 "$dir/server.log" >&2
    die "the server did not start (log: $dir/server.log)"
  fi
  # The port the server picked, as test/support/server_process.cpp reads it.
  local port
  port=$(tail -n +"$((from + 1))" "$dir/server.log" | grep -o 'HTTP listening on [^ ]*' | tail -n1 | sed 's/.*://')
  [[ -n $port ]] || die "no 'HTTP listening on' line in $dir/server.log"
  SERVER_URL=http://127.0.0.1:$port
}

# stop_pid PID SECONDS: SIGTERM, then SIGKILL after SECONDS.
stop_pid() {
  local pid=$1 n=$(($2 * 10))
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 "$n"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "PID $pid did not stop in $2 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_server() { [[ -n ${SERVER_PID:-} ]] && stop_pid "$SERVER_PID" 20; SERVER_PID=""; }

# start_broker DIR: `coupon-server broker` alone (topics created); sets BROKER_PID and BOOTSTRAP.
start_broker() {
  local dir=$1
  mkdir -p "$dir"
  "$BIN" broker --bootstrap-file "$dir/bootstrap" </dev/null >>"$dir/broker.log" 2>&1 &
  BROKER_PID=$!
  STARTED_PIDS+=("$BROKER_PID")
  wait_log "$dir/broker.log" "coupon-server broker ready" "$BROKER_PID" 30 || die "the broker did not start"
  BOOTSTRAP=$(cat "$dir/bootstrap")
}

# start_nginx: the reference (nginx-light, one worker, `return 204;`); sets NGINX_URL.
start_nginx() {
  NGINX_DIR=$WORK/nginx
  mkdir -p "$NGINX_DIR"
  local port attempt
  # A free port can be taken before nginx binds it (a server's embedded broker binds random ports): try others.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    sed "s#@DIR@#$NGINX_DIR#g; s#@PORT@#$port#g" "$ROOT/scripts/bench.d/nginx.conf.in" >"$NGINX_DIR/nginx.conf"
    nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" 2>>"$NGINX_DIR/start.log" && break
    ((attempt < 5)) || die "nginx did not start: $(tail -3 "$NGINX_DIR/start.log")"
  done
  for _ in $(seq 1 50); do [[ -s $NGINX_DIR/nginx.pid ]] && break; sleep 0.1; done
  NGINX_URL=http://127.0.0.1:$port
  curl -s -o /dev/null -w '%{http_code}' "$NGINX_URL/" | grep -q 204 || die "nginx does not answer 204"
}

stop_nginx() {
  [[ -n $NGINX_DIR && -s $NGINX_DIR/nginx.pid ]] || return 0
  local pid
  pid=$(cat "$NGINX_DIR/nginx.pid")
  # The master's PID from our own pid file; it stops its worker.
  stop_pid "$pid" 10
  NGINX_DIR=""
}

# start_pg: a throwaway PostgreSQL (scripts/pgtmp) with durability on (fsync, synchronous_commit) as in
# production; sets PG_DIR and PG_URL.
start_pg() {
  local out
  out=$(PGTMP_DURABLE=1 "$ROOT/scripts/pgtmp" start) || die "scripts/pgtmp start failed"
  PG_DIR=$(sed -n "s/.*PGTMP_DIR=\([^ ]*\) .*/\1/p" <<<"$out")
  PG_URL=$(sed -n "s/.*COUPON_TEST_PG_URL='\([^']*\)'.*/\1/p" <<<"$out")
  [[ -n $PG_DIR && -n $PG_URL ]] || die "unexpected output of pgtmp start: $out"
}

stop_pg() { [[ -n $PG_DIR ]] && "$ROOT/scripts/pgtmp" stop "$PG_DIR"; PG_DIR=""; }

# start_kafka: a throwaway Apache Kafka of one broker (scripts/kafkatmp); sets KAFKA_DIR and KAFKA_BOOTSTRAP.
KAFKA_DIR=""
start_kafka() {
  local out
  out=$("$ROOT/scripts/kafkatmp" start 1) || die "scripts/kafkatmp start failed"
  KAFKA_DIR=$(sed -n 's/.*KAFKATMP_DIR=\([^ ]*\) .*/\1/p' <<<"$out")
  KAFKA_BOOTSTRAP=$(sed -n 's/.*COUPON_KAFKA_BOOTSTRAP_SERVERS=\([^ ]*\).*/\1/p' <<<"$out")
  [[ -n $KAFKA_DIR && -n $KAFKA_BOOTSTRAP ]] || die "unexpected output of kafkatmp start: $out"
}

stop_kafka() { [[ -n $KAFKA_DIR ]] && "$ROOT/scripts/kafkatmp" stop "$KAFKA_DIR"; KAFKA_DIR=""; }

stop_everything() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid" 15; done
  stop_nginx
  stop_pg
  stop_kafka
}
