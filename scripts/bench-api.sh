#!/usr/bin/env bash
# The live-verification benchmark (BENCHMARKS.md, "Live verification against the simulator";
# issues 4 and 12): against `archcheck sim` (release build) with 50 ms added to every request
# (--fault latency:50), for 1, 10, 50 and 200 environments of 40 apps and 40 service
# instances each (one world of 200 environments; a model of the first N for each run):
#   - requests (GET /_sim/stats `total`, reset with DELETE before each run), requests in a row
#     (`in_a_row`: counted by the simulator from the order of events) and wall time (hyperfine)
#     of `archcheck verify MODEL --api URL` with CF_OAUTH_TOKEN;
#   - the simulator's CPU time for one run (from /proc), the "server time";
#   - the lower bound: requests in a row x 50 ms;
#   - side by side, when BENCH_BASELINE_REV names a commit (e.g. 8d67932, before issue 12),
#     archcheck as built from it (the client that observed each environment on its own), and
#     scripts/sequential_client.py, which lists the same data the way `cf services` then
#     `cf apps` (v8) do, one space after the other, one request at a time (for at most
#     BENCH_SEQ_MAX environments, default 50: 200 take about 8 minutes).
# Also 1 and 50 environments with client credentials (GET / and the token grant come first).
#
# Needs hyperfine, curl and python3 (apt-get install -y hyperfine curl python3; installed here
# when run as root). Builds the release binary first (not timed); BENCH_RUNS (default 5) sets
# the runs of each archcheck command.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}"
RUNS="${BENCH_RUNS:-5}"
SEQ_MAX="${BENCH_SEQ_MAX:-50}"
SIZES="${BENCH_SIZES:-1 10 50 200}"
LATENCY_MS=50

# shellcheck source=scripts/lib.sh
source scripts/lib.sh # need COMMAND PACKAGE
need hyperfine hyperfine
need curl curl
need python3 python3

mkdir -p "$OUT"
BASE_BIN=""
if [ -n "${BENCH_BASELINE_REV:-}" ]; then
    # The baseline from its commit, built in the same target directory (dependencies shared).
    src="$CARGO_TARGET_DIR/bench-baseline/src-$BENCH_BASELINE_REV"
    BASE_BIN="$CARGO_TARGET_DIR/bench-baseline/archcheck-$BENCH_BASELINE_REV"
    if [ ! -x "$BASE_BIN" ]; then
        rm -rf "$src" && mkdir -p "$src"
        git archive "$BENCH_BASELINE_REV" | tar -x -C "$src"
        (cd "$src" && cargo build --release --locked --quiet)
        cp "$CARGO_TARGET_DIR/release/archcheck" "$BASE_BIN"
    fi
fi
cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/archcheck"
WORLD="$OUT/fleet-200.json"
python3 scripts/gen-bench-api.py "$WORLD" --envs 200 --apps 40 --services 40 --bindings 3
for n in $SIZES; do
    python3 scripts/gen-bench-api.py "$OUT/fleet-$n.json" --envs "$n" --apps 40 --services 40 --bindings 3
    "$BIN" check "$OUT/fleet-$n.json" >/dev/null
done

echo "== machine"
echo "nproc: $(nproc)"; lscpu | head -n 15; uptime

# The simulator, stopped on exit. An empty CF_HOME keeps any real cf CLI login out of it.
rm -f "$OUT/sim-url"
"$BIN" sim "$WORLD" --listen 127.0.0.1:0 --url-file "$OUT/sim-url" --fault "latency:$LATENCY_MS" \
    >"$OUT/sim.log" 2>&1 &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT
for _ in $(seq 300); do [ -s "$OUT/sim-url" ] && break; sleep 0.1; done
[ -s "$OUT/sim-url" ] || { echo "error: the simulator did not start; see $OUT/sim.log" >&2; exit 3; }
U=$(cat "$OUT/sim-url")
echo "simulator at $U with --fault latency:$LATENCY_MS"
export CF_HOME="$OUT/empty-cf-home"
mkdir -p "$CF_HOME"
RESET="curl -sf -X DELETE $U/_sim/stats -o /dev/null"
TOKEN="env CF_OAUTH_TOKEN=bench-token"
CLIENT="env CF_CLIENT_ID=bench CF_CLIENT_SECRET=bench-secret"
SEQ="python3 scripts/sequential_client.py $U bench"
TICKS=$(getconf CLK_TCK)

# The simulator's CPU seconds so far.
sim_cpu() { awk -v t="$TICKS" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$SIM/stat"; }

: >"$OUT/bench-api.tsv"
# case NAME ENVS RUNS COMMAND...: hyperfine's mean, then one more run for the simulator's
# counts and CPU time.
case_() {
    local name=$1 envs=$2 runs=$3; shift 3
    local cmd="$*"
    hyperfine -N --runs "$runs" --prepare "$RESET" --export-json "$OUT/h.json" -n "$name" "$cmd" >&2
    $RESET
    local before after
    before=$(sim_cpu)
    $cmd >/dev/null 2>&1 || true
    after=$(sim_cpu)
    # The counts go through a file: the sequential client's paths (a stats path per process)
    # are too long for an argument list.
    local stats="$OUT/stats-$(printf %s "$name" | tr -c 'a-z0-9' '-')-$envs.json"
    curl -sf "$U/_sim/stats" -o "$stats"
    python3 - "$OUT/h.json" "$stats" "$name" "$envs" "$before" "$after" >>"$OUT/bench-api.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
s = json.load(open(sys.argv[2]))
name, envs, before, after = sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6])
print("\t".join([name, envs, f"{r['mean']:.3f}", f"{r['stddev'] or 0:.3f}", f"{r['min']:.3f}",
                 f"{r['max']:.3f}", str(s["total"]), str(s["in_a_row"]), f"{after - before:.3f}"]))
PY
}

echo "== sanity: one run, exit code and the report's first line"
$RESET; $TOKEN "$BIN" verify "$OUT/fleet-1.json" --api "$U" | head -n 1
for n in $SIZES; do
    M="$OUT/fleet-$n.json"
    case_ "archcheck" "$n" "$RUNS" "$TOKEN $BIN verify $M --api $U -o /dev/null"
    if [ -n "$BASE_BIN" ]; then
        case_ "archcheck $BENCH_BASELINE_REV" "$n" "$RUNS" "$TOKEN $BASE_BIN verify $M --api $U -o /dev/null"
    fi
    if [ "$n" -le "$SEQ_MAX" ]; then
        spaces=$(python3 -c "print(' '.join(f'env{e:02d}' for e in range($n)))")
        case_ "sequential client" "$n" 1 "$TOKEN $SEQ $spaces"
    fi
done
case_ "archcheck, client credentials" 1 "$RUNS" "$CLIENT $BIN verify $OUT/fleet-1.json --api $U -o /dev/null"
case_ "archcheck, client credentials" 50 "$RUNS" "$CLIENT $BIN verify $OUT/fleet-50.json --api $U -o /dev/null"

echo "== requests per path, archcheck over 50 environments"
cat "$OUT/stats-archcheck-50.json"; echo

echo "== results (latency $LATENCY_MS ms per request)"
python3 - "$OUT/bench-api.tsv" "$LATENCY_MS" <<'PY'
import sys
lat = int(sys.argv[2]) / 1000
print("| client | envs | requests | in a row | lower bound (in a row x 50 ms) | simulator CPU | wall, mean ± sd (min..max) | wall / (bound + CPU) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    name, envs, mean, sd, lo, hi, total, row, cpu = line.rstrip("\n").split("\t")
    bound = int(row) * lat
    ratio = float(mean) / (bound + float(cpu))
    print(f"| {name} | {envs} | {int(total):,} | {row} | {bound:.2f} s | {float(cpu):.2f} s | "
          f"{float(mean):.3f} s ± {float(sd):.3f} ({float(lo):.3f}..{float(hi):.3f}) | {ratio:.2f} |")
PY
