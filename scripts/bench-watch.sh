#!/usr/bin/env bash
# Issues 11 and 12's watch benchmark (BENCHMARKS.md, "watch over 10,000 rounds" and "The
# status page"), against `archcheck sim` (release builds):
#
# 1. Flat over 10,000 rounds: `archcheck watch models/c2.json --interval 30ms --state FILE`
#    with a webhook nobody answers, while scripts/bench-watch.py toggles a fault every 25
#    rounds (staging CRITICAL and back: transitions stored, announced, kept in the timeline,
#    which fills to its bound of 200) and records, at rounds 100, 1,000, 2,000, 5,000 and
#    10,000: the watch's RSS and peak RSS, CPU time, threads, open files, /metrics series,
#    the bytes of / and /status, and the state file's size; beside it, sampled at the same
#    time, a second watch of the same simulator without --state (and without toggling).
# 2. The status page: the bytes of / and of one environment's page /env/NAME (and their
#    assets and diagrams) for the C2 model with one lost binding and for a generated model of
#    2,000 apps and 2,000 services in 10 environments (scripts/gen_model.py) with every other
#    service instance deleted (faults posted to the simulator: thousands of CRITICAL checks
#    in each environment), the time and bytes of /status, /metrics and /healthz, and the time
#    to fetch each page (curl) and to load it in headless Chromium (--dump-dom: parsed,
#    scripts run), side by side with the same bytes served by `python3 -m http.server`.
#
# Needs curl, python3, hyperfine, chromium, graphviz and time (installed with apt-get when run as
# root, else it says how). Takes about 10 minutes once built; BENCH_WATCH_ROUNDS (default
# 10000) and BENCH_WATCH_INTERVAL (default 30ms) change part 1, BENCH_WATCH_FLAT=0 skips it,
# BENCH_WATCH_LARGE=0 skips the large model.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}/watch"
ROUNDS="${BENCH_WATCH_ROUNDS:-10000}"
INTERVAL="${BENCH_WATCH_INTERVAL:-30ms}"
LARGE="${BENCH_WATCH_LARGE:-1}"
FLAT_ROUNDS="${BENCH_WATCH_FLAT:-1}"
RUNS="${BENCH_RUNS:-10}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh # need COMMAND PACKAGE
need hyperfine hyperfine
need curl curl
need /usr/bin/time time
need python3 python3
need chromium chromium
need dot graphviz

cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/archcheck"
rm -rf "$OUT/large-copy" "$OUT/c2-copy" "$OUT/chromium-profile"; [ "${BENCH_WATCH_FLAT:-1}" = 0 ] || rm -rf "$OUT"
mkdir -p "$OUT"
export CF_HOME="$OUT/empty-cf-home" CF_OAUTH_TOKEN=bench-token
mkdir -p "$CF_HOME"
unset CF_CLIENT_ID CF_CLIENT_SECRET ARCHCHECK_WEBHOOKS RUST_LOG

echo "== machine"
echo "nproc: $(nproc)"; lscpu | head -n 15; free -m | head -n 2; uptime
"$BIN" --version; chromium --version 2>/dev/null; python3 --version

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME COMMAND...: runs it in the background with --url-file $OUT/NAME.url, waits for
# the URL (30 s at most), and sets PID.
start() {
    local name=$1; shift
    rm -f "$OUT/$name.url"
    "$@" --url-file "$OUT/$name.url" >"$OUT/$name.log" 2>&1 &
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 300); do [ -s "$OUT/$name.url" ] && break; sleep 0.1; done
    [ -s "$OUT/$name.url" ] || { echo "error: $name did not start; see $OUT/$name.log" >&2; exit 3; }
}

# rounds_of URL: the watch's completed rounds.
rounds_of() { curl -sf --max-time 120 "$1/metrics" | awk '/^archcheck_rounds_total/ {print $2}'; }

# wait_rounds URL N SECONDS: until the watch at URL completed N rounds.
wait_rounds() {
    local deadline=$((SECONDS + $3))
    until [ "$(rounds_of "$1" || echo 0)" -ge "$2" ] 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "error: $2 rounds not reached in $3 s" >&2; exit 3; }
        sleep 0.5
    done
}

start sim "$BIN" sim models/c2.json --listen 127.0.0.1:0
SIM_PID=$PID; SIM=$(cat "$OUT/sim.url")

if [ "$FLAT_ROUNDS" = 1 ]; then
echo "== 1. watch over $ROUNDS rounds (interval $INTERVAL), with --state and, beside it, without"
# Port 9 (discard) is closed here: every webhook message fails, is retried and dropped.
start flat "$BIN" watch models/c2.json --api "$SIM" --listen 127.0.0.1:0 --interval "$INTERVAL" \
    --timeout 1s --state "$OUT/flat.db" --webhook http://127.0.0.1:9/bench --webhook-grace 1s
FLAT_PID=$PID; FLAT=$(cat "$OUT/flat.url")
start bare "$BIN" watch models/c2.json --api "$SIM" --listen 127.0.0.1:0 --interval "$INTERVAL" \
    --timeout 1s
BARE_PID=$PID; BARE=$(cat "$OUT/bare.url")
python3 scripts/bench-watch.py "$BARE" "$BARE_PID" "$SIM" "$SIM_PID" "" "$ROUNDS" "$OUT/bare.tsv" \
    --no-toggle 2>"$OUT/bare-samples.log" &
BARE_SAMPLER=$!
python3 scripts/bench-watch.py "$FLAT" "$FLAT_PID" "$SIM" "$SIM_PID" "$OUT/flat.db" "$ROUNDS" "$OUT/flat.tsv"
wait "$BARE_SAMPLER"
curl -sf --max-time 60 "$FLAT/metrics" >"$OUT/flat-metrics.txt"
curl -sf --max-time 60 "$FLAT/" >"$OUT/flat-page.html"
kill -TERM "$FLAT_PID" "$BARE_PID"; wait "$FLAT_PID" || true; wait "$BARE_PID" || true
curl -sf -X DELETE "$SIM/_sim/faults" -o /dev/null
ls -l "$OUT"/flat.db*
for run in flat bare; do
    echo "-- $run"
    python3 - "$OUT/$run.tsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| rounds | RSS (peak) | CPU total | CPU per round since last row | /metrics series | / bytes | /status bytes (timeline) | state file | simulator RSS |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
prev = None
for r in rows:
    n, cpu = int(r["rounds"]), float(r["cpu_s"])
    per = "" if prev is None else f"{1000 * (cpu - prev[1]) / (n - prev[0]):.2f} ms"
    prev = (n, cpu)
    print(f"| {n:,} | {int(r['rss_kb'])/1024:.1f} MB ({int(r['hwm_kb'])/1024:.1f}) | {cpu:.1f} s | {per} "
          f"| {r['series']} | {int(r['page_bytes']):,} | {int(r['status_bytes']):,} ({r['timeline']}) "
          f"| {int(r['state_bytes'])/1e6:.1f} MB | {int(r['sim_rss_kb'])/1024:.1f} MB |")
PY
done
echo "state file after a clean stop (WAL checkpointed): $(stat -c %s "$OUT/flat.db") bytes"
sqlite3_count() { python3 -c "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);print(', '.join(f'{t}: {c.execute(f\"select count(*) from {t}\").fetchone()[0]}' for t in ('rounds','round_environments','transitions','transition_checks')))" "$1"; }
echo "rows: $(sqlite3_count "$OUT/flat.db")"
fi

# page NAME WATCH_URL MODEL IMAGES RUNS ENV: the bytes and time of each endpoint, once, then
# the load time of / and /env/ENV beside a copy of the same bytes (pages, assets and, with
# IMAGES=1, the diagrams) served by python3 -m http.server.
page() {
    local name=$1 watch=$2 model=$3 images=$4 runs=$5 env=$6
    local dir="$OUT/$name-copy"
    mkdir -p "$dir/assets" "$dir/diagram"
    echo "-- $name: each endpoint once (HTTP code, bytes, seconds)"
    for p in / "/env/$env" "/env/$env?page=2" /status /metrics /healthz; do
        curl -s --max-time 600 -o "$OUT/$name-endpoint" -w "$p %{http_code} %{size_download} %{time_total}\n" "$watch$p" || echo "$p no answer within 600 s"
    done
    curl -sf --max-time 600 "$watch/" -o "$dir/index.html"
    curl -sf --max-time 600 "$watch/env/$env" -o "$dir/env.html"
    curl -sf "$watch/assets/page.css" -o "$dir/assets/page.css"
    curl -sf "$watch/assets/page.js" -o "$dir/assets/page.js"
    if [ "$images" = 1 ]; then
        for e in $(python3 -c "import json,sys;print(' '.join(json.load(open(sys.argv[1]))['environments']))" "$model"); do
            curl -sf --max-time 600 "$watch/diagram/$e.svg" -o "$dir/diagram/$e.svg"
        done
    fi
    echo "-- $name: bytes of the copy"
    (cd "$dir" && wc -c index.html env.html assets/* diagram/* 2>/dev/null) || true
    gzip -9c "$dir/index.html" | wc -c | sed 's/^/index.html gzip -9: /'
    (cd "$dir" && exec python3 -u -m http.server 0 --bind 127.0.0.1) >"$OUT/$name-py.log" 2>&1 &
    local py=$!
    PIDS+=("$py")
    local port=""
    for _ in $(seq 100); do
        port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$OUT/$name-py.log" | head -n 1)
        [ -n "$port" ] && break; sleep 0.1
    done
    [ -n "$port" ] || { echo "error: python3 -m http.server did not start" >&2; exit 3; }
    local peer="http://127.0.0.1:$port"
    local chrome="chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-extensions --disable-background-networking --user-data-dir=$OUT/chromium-profile"
    [ "$images" = 1 ] || chrome="$chrome --blink-settings=imagesEnabled=false"
    echo "-- $name: load time (hyperfine, $runs runs each; Chromium's own start is in both)"
    hyperfine -N --warmup 1 --runs "$runs" --export-markdown "$OUT/$name-load.md" \
        -n "curl / from archcheck watch" "curl -sf -o /dev/null $watch/" \
        -n "curl / from python3 -m http.server (same bytes)" "curl -sf -o /dev/null $peer/index.html" \
        -n "chromium --dump-dom, archcheck watch" "$chrome --dump-dom $watch/" \
        -n "chromium --dump-dom, python3 -m http.server" "$chrome --dump-dom $peer/index.html" \
        -n "curl /env/$env from archcheck watch" "curl -sf -o /dev/null $watch/env/$env" \
        -n "curl /env/$env from python3 -m http.server (same bytes)" "curl -sf -o /dev/null $peer/env.html" \
        -n "chromium --dump-dom /env/$env, archcheck watch" "$chrome --dump-dom $watch/env/$env" \
        -n "chromium --dump-dom /env/$env, python3 -m http.server" "$chrome --dump-dom $peer/env.html"
    cat "$OUT/$name-load.md"
    kill "$py" 2>/dev/null || true
}

echo "== 2. the status page: C2 with one lost binding"
curl -sf -X POST "$SIM/_sim/faults" -d '{"faults":["unbind:staging:worker:queue"]}' -o /dev/null
start c2 "$BIN" watch models/c2.json --api "$SIM" --listen 127.0.0.1:0 --interval 10s
C2=$(cat "$OUT/c2.url")
wait_rounds "$C2" 1 60
page c2 "$C2" models/c2.json 1 "$RUNS" staging

if [ "$LARGE" = 1 ]; then
    echo "== 2. the status page: 2,000 apps, 2,000 services, 10 environments"
    python3 scripts/gen_model.py 2000 2000 10 >"$OUT/large.json"
    "$BIN" check "$OUT/large.json"
    start simlarge "$BIN" sim "$OUT/large.json" --listen 127.0.0.1:0
    # Every other service instance deleted, in every environment: each environment has
    # thousands of CRITICAL checks (the instance and the bindings to it), far more than the
    # page shows. (The simulator applies the 10,000 faults in a fraction of a second.)
    python3 -c "import json;print(json.dumps({'faults':[f'delete-instance:env{e:02d}:svc{s:05d}' for e in range(10) for s in range(0,2000,2)]}))" >"$OUT/large-faults.json"
    curl -sf --max-time 900 -X POST "$(cat "$OUT/simlarge.url")/_sim/faults" --data-binary @"$OUT/large-faults.json" -o /dev/null
    start large "$BIN" watch "$OUT/large.json" --api "$(cat "$OUT/simlarge.url")" \
        --listen 127.0.0.1:0 --interval 5m --timeout 5m
    LARGE_PID=$PID; LARGE_URL=$(cat "$OUT/large.url")
    wait_rounds "$LARGE_URL" 1 600
    curl -sf "$LARGE_URL/metrics" | grep -E '^archcheck_round_duration_seconds'
    grep VmRSS "/proc/$LARGE_PID/status"
    # Each environment is drawn aggregated (too many nodes to lay out each): the pages load
    # with their images.
    page large "$LARGE_URL" "$OUT/large.json" 1 3 env00
    echo "-- large: one environment's diagram (dot on the server), once"
    curl -sf -o "$OUT/large-env00.svg" -w 'diagram/env00.svg: %{size_download} bytes in %{time_total} s\n' \
        --max-time 300 "$LARGE_URL/diagram/env00.svg" || echo "diagram/env00.svg: no answer within 300 s"
    grep -E 'VmRSS|VmHWM' "/proc/$LARGE_PID/status"
    # Beside it, one verify of the same world: its peak RSS and wall time.
    /usr/bin/time -f 'verify, same world: peak RSS %M KB, %e s' "$BIN" verify "$OUT/large.json" \
        --api "$(cat "$OUT/simlarge.url")" --timeout 5m --format json -o "$OUT/large-verify.json" || true
    ls -l "$OUT/large-verify.json"
fi
uptime
