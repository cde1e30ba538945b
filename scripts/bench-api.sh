#!/usr/bin/env bash
# Issue 4's benchmark (BENCHMARKS.md, "Live verification against the simulator"): against
# `archcheck sim` (release build) with 50 ms added to every request (--fault latency:50), the
# wall time and the number of requests (GET /_sim/stats, reset with DELETE before each run) of
#   archcheck verify MODEL --api URL [--env env00]
# for 1 environment and for 50 environments of 40 apps and 40 service instances each, with
# CF_OAUTH_TOKEN set and with client credentials (CF_CLIENT_ID/CF_CLIENT_SECRET), and the same
# for scripts/sequential_client.py, which lists the same data the way `cf services` then
# `cf apps` (v8) do, one space after the other, one request at a time.
#
# Needs hyperfine, curl and python3 (apt-get install -y hyperfine curl python3; installed here
# when run as root). Builds the release binary first (not timed). Takes about 2.5 minutes, most
# of it the sequential client over 50 spaces (run once); BENCH_RUNS (default 5) sets the runs
# of the other commands.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}"
RUNS="${BENCH_RUNS:-5}"
LATENCY_MS=50

need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing $2 (apt-get install -y $2)" >&2
        apt-get install -y "$2" >/dev/null
    else
        echo "error: $1 not found; install it: sudo apt-get install -y $2" >&2
        exit 3
    fi
}
need hyperfine hyperfine
need curl curl
need python3 python3

cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/archcheck"
mkdir -p "$OUT"
M="$OUT/fleet.json"
python3 scripts/gen-bench-api.py "$M" --envs 50 --apps 40 --services 40 --bindings 3
"$BIN" check "$M"

echo "== machine"
echo "nproc: $(nproc)"; lscpu | head -n 15; uptime

# The simulator, stopped on exit. An empty CF_HOME keeps any real cf CLI login out of it.
rm -f "$OUT/sim-url"
"$BIN" sim "$M" --listen 127.0.0.1:0 --url-file "$OUT/sim-url" --fault "latency:$LATENCY_MS" \
    >"$OUT/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/sim-url" ] && break; sleep 0.1; done
[ -s "$OUT/sim-url" ] || { echo "error: the simulator did not start; see $OUT/sim.log" >&2; exit 3; }
U=$(cat "$OUT/sim-url")
echo "simulator at $U with --fault latency:$LATENCY_MS"
export CF_HOME="$OUT/empty-cf-home"
mkdir -p "$CF_HOME"
RESET="curl -sf -X DELETE $U/_sim/stats -o /dev/null"
SPACES_ALL=$(python3 -c "print(' '.join(f'env{e:02d}' for e in range(50)))")

TOKEN="env CF_OAUTH_TOKEN=bench-token"
CLIENT="env CF_CLIENT_ID=bench CF_CLIENT_SECRET=bench-secret"
VERIFY="$BIN verify $M --api $U -o /dev/null"
SEQ="python3 scripts/sequential_client.py $U bench"

: >"$OUT/bench-api.tsv"
# case NAME RUNS COMMAND...: hyperfine's mean and the requests of its last run.
case_() {
    local name=$1 runs=$2; shift 2
    local cmd="$*"
    hyperfine -N --runs "$runs" --prepare "$RESET" --export-json "$OUT/h.json" -n "$name" "$cmd" >&2
    local stats mean
    stats=$(curl -sf "$U/_sim/stats")
    mean=$(python3 -c "import json;r=json.load(open('$OUT/h.json'))['results'][0];print(f\"{r['mean']:.3f}\t{r['stddev'] or 0:.3f}\t{r['min']:.3f}\t{r['max']:.3f}\")")
    local total
    total=$(python3 -c "import json,sys;print(json.loads(sys.argv[1])['total'])" "$stats")
    printf '%s\t%s\t%s\n' "$name" "$mean" "$total" >>"$OUT/bench-api.tsv"
    echo "$stats" >"$OUT/stats-$(printf %s "$name" | tr -c 'a-z0-9' '-').json"
}

echo "== sanity: one run of each, exit code and report's first line"
$RESET; $TOKEN $BIN verify "$M" --api "$U" --env env00 | head -n 1
$RESET; $TOKEN $SEQ env00 | cut -c1-200

case_ "archcheck, 1 env, token" "$RUNS" "$TOKEN $VERIFY --env env00"
case_ "archcheck, 50 envs, token" "$RUNS" "$TOKEN $VERIFY"
case_ "archcheck, 1 env, client credentials" "$RUNS" "$CLIENT $VERIFY --env env00"
case_ "archcheck, 50 envs, client credentials" "$RUNS" "$CLIENT $VERIFY"
case_ "sequential, 1 env, token" 3 "$TOKEN $SEQ env00"
case_ "sequential, 50 envs, token" 1 "$TOKEN $SEQ $SPACES_ALL"

echo "== requests per path, archcheck over 50 environments (token)"
cat "$OUT/stats-archcheck--50-envs--token.json"; echo
echo "== requests per path, sequential client over 1 environment (stats of each process summed)"
python3 - "$OUT/stats-sequential--1-env--token.json" <<'PY'
import json, re, sys
paths = json.load(open(sys.argv[1]))["paths"]
out = {}
for p, n in paths.items():
    k = re.sub(r"/v3/processes/[^/]+/stats", "/v3/processes/:guid/stats", p)
    out[k] = out.get(k, 0) + n
print(json.dumps(out, sort_keys=True))
PY

echo "== results (latency $LATENCY_MS ms per request)"
python3 - "$OUT/bench-api.tsv" "$LATENCY_MS" <<'PY'
import sys
lat = int(sys.argv[2]) / 1000
# Longest chain of requests that wait on each other. archcheck: spaces lookup, then the
# instances list, then the bindings of those instances (apps, processes and routes go
# alongside); client credentials add GET / (the UAA's address) and POST /oauth/token first.
# The sequential client waits on every request in turn: its chain is its request count.
chain = {"token": 3, "client credentials": 5}
print("| run | requests | chain | lower bound (chain x 50 ms) | wall time, mean ± sd (min..max) |")
print("|---|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    name, mean, sd, lo, hi, total = line.rstrip("\n").split("\t")
    total = int(total)
    c = total if name.startswith("sequential") else chain[name.split(", ")[-1]]
    print(f"| {name} | {total} | {c} | {c * lat:.2f} s | {float(mean):.3f} s ± {float(sd):.3f} ({float(lo):.3f}..{float(hi):.3f}) |")
PY
