#!/usr/bin/env python3
"""Figures for scripts/bench: reads what a scenario left in its directory, prints its table row, writes JSON
and the data files gnuplot draws. Standard library only.

  figures.py row SCENARIO_DIR            print the scenario's table row (and write SCENARIO_DIR/figures.json)
  figures.py report RESULTS_DIR          table of every scenario, RESULTS_DIR/results.json, plot data
  figures.py partition KEY PARTITIONS    the partition librdkafka's murmur2_random gives KEY (as Java's)
  figures.py partitions FIRST COUNT PARTITIONS   "id partition" for the ids FIRST .. FIRST+COUNT-1
  figures.py metric FILE NAME [LABEL]    sum of a Prometheus metric's samples in FILE (optionally filtered)

A scenario directory holds: meta.env (key=value), wrk-server.txt and wrk-nginx.txt (the "WRK ..." line of
post_coupons.lua), metrics-before.txt / metrics-after.txt (/metrics text), proc-before.txt / proc-after.txt
("cpu_ticks=... threads=... hwm_kb=..."), samples.tsv (the sampler), checks.txt ("ok|FAIL name detail").
"""
import json
import os
import re
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")

COLUMNS = [
    ("scenario", 28), ("req/s", 8), ("x ref", 7), ("p50 ms", 7), ("p99 ms", 7), ("p99.9 ms", 8),
    ("errors", 6), ("CPU ms/1k", 9), ("batch", 6), ("threads", 7), ("RSS MiB", 7), ("checks", 6),
]


def lines(path):
    """The lines of a file, stripped; none when it does not exist (a step of the scenario did not run)."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            yield line.strip()


def read_kv(path):
    out = {}
    for line in lines(path):
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        out[k] = v
    return out


def read_wrk(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("WRK "):
                out = {}
                for part in line.split()[1:]:
                    k, v = part.split("=", 1)
                    out[k] = int(v)
                return out
    return None


def read_proc(path):
    kv = read_kv(path)
    return {k: int(v) for k, v in kv.items()}


def read_threads(path):
    """{tid: (name, ticks, sleeps)} from a per-thread snapshot ("tid name ticks sleeps" lines; older
    snapshots have no sleeps)."""
    out = {}
    for line in lines(path):
        parts = line.split()
        if len(parts) in (3, 4):
            out[parts[0]] = (parts[1], int(parts[2]), int(parts[3]) if len(parts) == 4 else None)
    return out


def thread_group(name):
    """A thread's kind: numbers go, so http-io-0 and http-io-1 are http-io, rdk:broker1 is rdk:broker."""
    return re.sub(r"-?[0-9]+", "", name) or name


def thread_deltas(sdir, field):
    """Per kind of thread, the growth of one snapshot field (1: CPU ticks, 2: sleeps) between the two
    snapshots; a thread born in between counts from 0. {} when the snapshots lack the field."""
    before = read_threads(os.path.join(sdir, "proc-before.threads"))
    after = read_threads(os.path.join(sdir, "proc-after.threads"))
    out = {}
    for tid, entry in after.items():
        if entry[field] is None:
            return {}
        base = before.get(tid)
        delta = entry[field] - (base[field] if base and base[0] == entry[0] and base[field] is not None else 0)
        if delta > 0:
            group = thread_group(entry[0])
            out[group] = out.get(group, 0) + delta
    return out


def thread_cpu(sdir):
    """CPU seconds per kind of thread between the two snapshots."""
    return {g: ticks / CLK_TCK for g, ticks in thread_deltas(sdir, 1).items()}


def metric(path, name, label=None):
    """Sum of the samples of `name` whose labels contain `label` (None: every sample)."""
    total = 0.0
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            parts = line.rsplit(" ", 1)
            if len(parts) != 2:
                continue
            key, value = parts
            base = key.split("{", 1)[0]
            if base != name:
                continue
            if label is not None and label not in key:
                continue
            total += float(value)
    return total


def metric_delta(sdir, name, label=None):
    a = metric(os.path.join(sdir, "metrics-before.txt"), name, label)
    b = metric(os.path.join(sdir, "metrics-after.txt"), name, label)
    if a is None or b is None:
        return None
    return b - a


def wrk_rate(w):
    if not w or w["duration_us"] <= 0:
        return None
    n = w["counted_answered"] if w.get("counted_answered") else w["requests"]
    return n * 1e6 / w["duration_us"]


def checks(sdir):
    path = os.path.join(sdir, "checks.txt")
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split(" ", 2)
                if len(parts) >= 2:
                    out.append({"ok": parts[0] == "ok", "name": parts[1], "detail": parts[2] if len(parts) > 2 else ""})
    return out


def scenario_figures(sdir):
    meta = read_kv(os.path.join(sdir, "meta.env"))
    ws = read_wrk(os.path.join(sdir, "wrk-server.txt"))
    wn = read_wrk(os.path.join(sdir, "wrk-nginx.txt"))
    pb = read_proc(os.path.join(sdir, "proc-before.txt"))
    pa = read_proc(os.path.join(sdir, "proc-after.txt"))
    fig = {"name": meta.get("name", os.path.basename(sdir)), "meta": meta, "wrk_server": ws, "wrk_nginx": wn}
    rate = float(meta["rate"]) if "rate" in meta else wrk_rate(ws)
    fig["rate"] = rate
    nrate = wrk_rate(wn)
    fig["nginx_rate"] = nrate
    # The in-run reference: nginx with the same load, or for a drain the store alone (reference_rate).
    ref = float(meta["reference_rate"]) if meta.get("reference_rate") else nrate
    fig["reference_rate"] = ref
    fig["reference"] = meta.get("reference", "nginx" if nrate else None)
    fig["ratio"] = rate / ref if rate and ref else None
    if ws:
        fig["p50_ms"], fig["p90_ms"] = ws["p50"] / 1000, ws["p90"] / 1000
        fig["p99_ms"], fig["p999_ms"], fig["max_ms"] = ws["p99"] / 1000, ws["p999"] / 1000, ws["max"] / 1000
    if wn:
        fig["nginx_p50_ms"], fig["nginx_p99_ms"], fig["nginx_p999_ms"] = wn["p50"] / 1000, wn["p99"] / 1000, wn["p999"] / 1000
    # Errors: socket errors seen by wrk + server answers outside the scenario's expected statuses.
    expected = [s for s in meta.get("expected_status", "200").split(",") if s]
    socket_errors = sum(ws.get(k, 0) for k in ("connect", "read", "write", "timeout")) if ws else 0
    by_status = {}
    with open(os.path.join(sdir, "metrics-after.txt")) if os.path.exists(os.path.join(sdir, "metrics-after.txt")) else open(os.devnull) as f:
        for line in f:
            if line.startswith("coupon_http_responses_total{"):
                status = line.split('status="', 1)[1].split('"', 1)[0]
                by_status[status] = None
    for status in list(by_status):
        d = metric_delta(sdir, "coupon_http_responses_total", 'status="%s"' % status)
        by_status[status] = int(d or 0)
    # 200 is never an error: an issued coupon, or one of the bench's own GETs (/metrics, the policy).
    unexpected = sum(n for s, n in by_status.items() if s not in expected and s != "200")
    if ws and ws.get("counted_answered"):
        # A counted run (REQUESTS=N) knows each answer's status itself; its filler GETs are 404s.
        unexpected = sum(n for k, n in ws.items() if k.startswith("s") and k[1:].isdigit() and k[1:] not in expected)
    fig["server_status_counts"] = by_status
    fig["socket_errors"] = socket_errors
    fig["unexpected_status"] = unexpected
    fig["errors"] = socket_errors + unexpected if ws or by_status else None
    requests = int(meta["requests"]) if "requests" in meta else (ws["requests"] if ws else 0)
    if pb and pa and requests:
        cpu_s = (pa["cpu_ticks"] - pb["cpu_ticks"]) / CLK_TCK
        fig["cpu_seconds"] = cpu_s
        fig["cpu_ms_per_1k"] = cpu_s * 1000.0 / requests * 1000.0
    # Where the server's CPU went, per kind of thread (us a request), and for a drain the broker's own
    # process (it runs apart there; elsewhere it is the server's rdk:mock thread).
    groups = thread_cpu(sdir)
    if groups and requests:
        fig["thread_cpu_us_per_request"] = {g: s * 1e6 / requests for g, s in groups.items()}
    sleeps = thread_deltas(sdir, 2)
    if sleeps and requests:
        fig["thread_sleeps_per_1k_requests"] = {g: n * 1000.0 / requests for g, n in sleeps.items()}
    bb = read_proc(os.path.join(sdir, "broker-before.txt"))
    ba = read_proc(os.path.join(sdir, "broker-after.txt"))
    if bb and ba and requests:
        fig["broker_cpu_us_per_request"] = (ba["cpu_ticks"] - bb["cpu_ticks"]) / CLK_TCK * 1e6 / requests
    if pa:
        fig["threads"] = max(pa.get("threads", 0), int(meta.get("max_threads", "0")))
        fig["rss_mib"] = pa.get("hwm_kb", 0) / 1024.0
    consumed = metric_delta(sdir, "coupon_kafka_consumed_records_total")
    batches = metric_delta(sdir, "coupon_kafka_batches_total")
    fig["consumed"] = consumed
    fig["batches"] = batches
    fig["batch_mean"] = consumed / batches if consumed and batches else None
    for key in ("accepted", "refused"):
        name = {"accepted": "coupon_kafka_requests_accepted_total", "refused": "coupon_http_issue_refused_total"}[key]
        fig[key] = metric_delta(sdir, name)
    fig["checks"] = checks(sdir)
    fig["checks_ok"] = all(c["ok"] for c in fig["checks"]) if fig["checks"] else None
    extra = read_kv(os.path.join(sdir, "extra.env"))
    fig["extra"] = extra
    with open(os.path.join(sdir, "figures.json"), "w") as f:
        json.dump(fig, f, indent=2, sort_keys=True)
    return fig


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def row(fig):
    c = fig["checks_ok"]
    cells = [
        fig["name"], fmt(fig.get("rate")), fmt(fig.get("ratio"), 2), fmt(fig.get("p50_ms"), 1),
        fmt(fig.get("p99_ms"), 1), fmt(fig.get("p999_ms"), 1), fmt(fig.get("errors")),
        fmt(fig.get("cpu_ms_per_1k"), 0), fmt(fig.get("batch_mean"), 0), fmt(fig.get("threads")),
        fmt(fig.get("rss_mib"), 0), "-" if c is None else ("ok" if c else "FAIL"),
    ]
    return "| " + " | ".join(cells) + " |"


def header():
    return "| " + " | ".join(n for n, _ in COLUMNS) + " |\n|" + "|".join("---" for _ in COLUMNS) + "|"


LEGEND = ("x ref: the rate over its reference in the same run: nginx `return 204;` under the same wrk load, or\n"
          "for a drain the store alone (store_bench: the same database, batch size and sync, no Kafka)")


def scenario_dirs(rdir):
    out = []
    for name in sorted(os.listdir(rdir)):
        p = os.path.join(rdir, name)
        if os.path.isdir(p) and os.path.exists(os.path.join(p, "meta.env")):
            out.append(p)
    return out


def write_plot_data(rdir, figs):
    # samples-<scenario>.dat: seconds since the load started, responses/s, issued, accepted/s.
    for sdir in scenario_dirs(rdir):
        src = os.path.join(sdir, "samples.tsv")
        if not os.path.exists(src):
            continue
        rows = []
        with open(src) as f:
            for line in f:
                p = line.split()
                if len(p) < 9 or p[0] == "t":
                    continue
                rows.append([float(x) for x in p])
        if len(rows) < 2:
            continue
        t0, issued0 = rows[0][0], rows[0][2]  # issued counts from the load's start (not the warm-up's)
        with open(os.path.join(sdir, "plot.dat"), "w") as out:
            out.write("# t_s responses_per_s issued accepted_per_s consumed_per_s rss_mib threads\n")
            for a, b in zip(rows, rows[1:]):
                dt = b[0] - a[0]
                if dt <= 0:
                    continue
                out.write("%.2f %.0f %.0f %.0f %.0f %.1f %d\n" % (
                    b[0] - t0, (b[1] - a[1]) / dt, b[2] - issued0, (b[3] - a[3]) / dt, (b[4] - a[4]) / dt, b[7] / 1024.0, b[6]))
    with open(os.path.join(rdir, "latency.dat"), "w") as out:
        out.write("# index scenario p50 p99 p99.9 nginx_p50 nginx_p99 nginx_p99.9 (ms)\n")
        for i, f in enumerate(figs):
            if f.get("p50_ms") is None:
                continue
            out.write('%d "%s" %.3f %.3f %.3f %s %s %s\n' % (
                i, f["name"], f["p50_ms"], f["p99_ms"], f["p999_ms"],
                *("%.3f" % f[k] if f.get(k) is not None else "NaN" for k in ("nginx_p50_ms", "nginx_p99_ms", "nginx_p999_ms"))))


def report(rdir):
    figs = [scenario_figures(s) for s in scenario_dirs(rdir)]
    run = read_kv(os.path.join(rdir, "run.env"))
    with open(os.path.join(rdir, "results.json"), "w") as f:
        json.dump({"run": run, "scenarios": figs}, f, indent=2, sort_keys=True)
    write_plot_data(rdir, figs)
    print(header())
    for fig in figs:
        print(row(fig))
    print(LEGEND)
    for f in figs:
        notes = dict(f.get("extra") or {})
        answers = {s: n for s, n in (f.get("server_status_counts") or {}).items() if n and s != "200"}
        if answers:
            notes["server answers besides 200"] = " ".join("%s:%d" % kv for kv in sorted(answers.items()))
        ws = f.get("wrk_server")
        if ws and f.get("errors") and ws["duration_us"] > 0:
            n = ws["counted_answered"] or ws["requests"]
            notes["req/s without errors"] = "%.0f" % (max(0, n - f["errors"]) * 1e6 / ws["duration_us"])
        if f.get("wrk_nginx"):
            notes["nginx req/s"] = "%.0f" % f["nginx_rate"]
        if f.get("reference") == "store":
            notes["store alone issues/s"] = "%.0f" % f["reference_rate"]
        if f.get("cpu_seconds") is not None:
            notes["server CPU s"] = "%.1f" % f["cpu_seconds"]
        per_thread = f.get("thread_cpu_us_per_request") or {}
        if per_thread:
            top = sorted(per_thread.items(), key=lambda kv: -kv[1])[:8]
            notes["CPU us/request by thread"] = " ".join("%s:%.1f" % kv for kv in top if kv[1] >= 0.05)
        per_thread = f.get("thread_sleeps_per_1k_requests") or {}
        if per_thread:
            top = sorted(per_thread.items(), key=lambda kv: -kv[1])[:8]
            notes["sleeps/1k requests by thread"] = " ".join("%s:%.0f" % kv for kv in top if kv[1] >= 0.5)
        if f.get("broker_cpu_us_per_request") is not None:
            notes["broker process CPU us/request"] = "%.1f" % f["broker_cpu_us_per_request"]
        print("  %s: %s" % (f["name"], ", ".join("%s=%s" % kv for kv in sorted(notes.items()))))
    return 0 if all(f["checks_ok"] is not False for f in figs) else 1


def murmur2(data):
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n4 = len(data) // 4
    for i in range(n4):
        k = data[4 * i] | (data[4 * i + 1] << 8) | (data[4 * i + 2] << 16) | (data[4 * i + 3] << 24)
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest, idx = len(data) % 4, len(data) & ~3
    if rest == 3:
        h ^= data[idx + 2] << 16
    if rest >= 2:
        h ^= data[idx + 1] << 8
    if rest >= 1:
        h ^= data[idx]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def main(argv):
    if len(argv) >= 2 and argv[1] == "row":
        print(row(scenario_figures(argv[2])))
        return 0
    if len(argv) >= 2 and argv[1] == "header":
        print(header())
        return 0
    if len(argv) >= 2 and argv[1] == "report":
        return report(argv[2])
    if len(argv) >= 4 and argv[1] == "partition":
        print((murmur2(argv[2].encode()) & 0x7FFFFFFF) % int(argv[3]))
        return 0
    if len(argv) >= 5 and argv[1] == "partitions":
        for i in range(int(argv[2]), int(argv[2]) + int(argv[3])):
            print(i, (murmur2(str(i).encode()) & 0x7FFFFFFF) % int(argv[4]))
        return 0
    if len(argv) >= 4 and argv[1] == "metric":
        v = metric(argv[2], argv[3], argv[4] if len(argv) > 4 else None)
        print("%d" % v if v is not None else "")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
