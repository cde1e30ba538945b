#!/usr/bin/env bash
# Issue 10's benchmark (BENCHMARKS.md, "Deploys: a healthy round, a round with causes, the
# gate"): against `archcheck sim models/c2.json` (release build) with 50 ms added to every
# request (--fault latency:50), the requests (GET /_sim/stats, reset before each run) and the
# seconds of
#   1. a healthy round: archcheck verify models/c2.json --api URL [--env prod], which reads no
#      audit event; beside it the same round of the c2-incident scenario, whose CRITICAL
#      environments each add one audit-event request to explain the lost bindings;
#   2. the deploy gate over a 60 s rolling deploy of prod's web (fault deploy:prod:web:60
#      posted at runtime, played out on the simulator's real-time clock):
#      archcheck verify models/c2.json --api URL --env prod --wait 5m,
#      beside its peer, what a pipeline does without --wait: `archcheck verify` every 5 s until
#      it exits 0.
#
# Needs hyperfine, curl and python3 (apt-get install -y hyperfine curl python3; installed here
# when run as root). Builds the release binary first (not timed). Takes about 3 minutes, most
# of it the two 60 s deploys; BENCH_RUNS (default 10) sets the runs of the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}"
RUNS="${BENCH_RUNS:-10}"
LATENCY_MS=50
DEPLOY_SECS=60
POLL_SECS=5

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
M=models/c2.json
mkdir -p "$OUT"
# An empty CF_HOME keeps any real cf CLI login out of it.
export CF_HOME="$OUT/empty-cf-home"
mkdir -p "$CF_HOME"
export CF_OAUTH_TOKEN=bench-token

echo "== machine"
echo "nproc: $(nproc)"; lscpu | head -n 15; uptime

SIMS=()
trap 'for p in "${SIMS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
# start_sim SCENARIO: a simulator of models/c2.json with the latency fault; sets U.
start_sim() {
    local url_file="$OUT/sim-url-$1"
    rm -f "$url_file"
    "$BIN" sim "$M" --scenario "$1" --listen 127.0.0.1:0 --url-file "$url_file" \
        --fault "latency:$LATENCY_MS" >"$OUT/sim-$1.log" 2>&1 &
    SIMS+=("$!")
    for _ in $(seq 100); do [ -s "$url_file" ] && break; sleep 0.1; done
    [ -s "$url_file" ] || { echo "error: the simulator did not start; see $OUT/sim-$1.log" >&2; exit 3; }
    U=$(cat "$url_file")
}
reset() { curl -sf -X DELETE "$U/_sim/stats" -o /dev/null; }
stats() { curl -sf "$U/_sim/stats"; }
total() { python3 -c "import json,sys;print(json.loads(sys.argv[1])['total'])" "$1"; }
audit() { python3 -c "import json,sys;print(json.loads(sys.argv[1])['paths'].get('/v3/audit_events',0))" "$1"; }

: >"$OUT/bench-deploy.tsv"
# round NAME COMMAND...: hyperfine's mean over RUNS, the requests and audit-event requests of
# its last run.
round() {
    local name=$1; shift
    hyperfine -N -i --runs "$RUNS" --prepare "curl -sf -X DELETE $U/_sim/stats -o /dev/null" \
        --export-json "$OUT/h.json" -n "$name" "$*" >&2
    local s mean
    s=$(stats)
    mean=$(python3 -c "import json;r=json.load(open('$OUT/h.json'))['results'][0];print(f\"{r['mean']:.3f} s ± {r['stddev'] or 0:.3f}\")")
    printf '%s\t%s\t%s\t%s\n' "$name" "$(total "$s")" "$(audit "$s")" "$mean" >>"$OUT/bench-deploy.tsv"
}

echo "== rounds (latency $LATENCY_MS ms a request)"
start_sim healthy
"$BIN" verify "$M" --api "$U" | head -n 1
round "healthy, prod" "$BIN verify $M --api $U --env prod -o /dev/null"
round "healthy, 3 environments" "$BIN verify $M --api $U -o /dev/null"
start_sim c2-incident
"$BIN" verify "$M" --api "$U" --env staging | grep -m1 'cause' || true
round "c2-incident, staging (CRITICAL, causes)" "$BIN verify $M --api $U --env staging -o /dev/null"
round "c2-incident, 3 environments (2 CRITICAL)" "$BIN verify $M --api $U -o /dev/null"

echo "== the gate over a ${DEPLOY_SECS} s rolling deploy of prod's web"
now() { date +%s.%N; }
# deploy: a fresh healthy world, then the deploy starts now.
deploy() {
    curl -sf -X DELETE "$U/_sim/faults" -o /dev/null
    curl -sf -X POST "$U/_sim/faults" -H 'Content-Type: application/json' \
        -d "{\"faults\":[\"latency:$LATENCY_MS\",\"deploy:prod:web:$DEPLOY_SECS\"]}" -o /dev/null
    reset
}
start_sim healthy
deploy
t0=$(now)
code=0
"$BIN" verify "$M" --api "$U" --env prod --wait 5m --format json -o "$OUT/gate.json" || code=$?
t1=$(now)
s=$(stats)
rounds=$(python3 -c "import json;print(json.load(open('$OUT/gate.json'))['wait']['rounds'])")
printf '%s\t%s\t%s\t%s\n' "gate: verify --wait 5m (exit $code, $rounds rounds)" "$(total "$s")" "$(audit "$s")" \
    "$(python3 -c "print(f'{$t1 - $t0:.1f} s')")" >>"$OUT/bench-deploy.tsv"
echo "gate: exit $code, $rounds rounds, requests $s"

deploy
t0=$(now)
polls=0
until "$BIN" verify "$M" --api "$U" --env prod -o /dev/null; do
    polls=$((polls + 1))
    [ "$polls" -lt 60 ] || { echo "error: the peer loop did not see OK within 5 min" >&2; exit 3; }
    sleep "$POLL_SECS"
done
polls=$((polls + 1))
t1=$(now)
s=$(stats)
printf '%s\t%s\t%s\t%s\n' "peer: verify every ${POLL_SECS} s until exit 0 ($polls runs)" "$(total "$s")" "$(audit "$s")" \
    "$(python3 -c "print(f'{$t1 - $t0:.1f} s')")" >>"$OUT/bench-deploy.tsv"
echo "peer: $polls runs, requests $s"

echo "== results (latency $LATENCY_MS ms a request; the deploy takes $DEPLOY_SECS s)"
python3 - "$OUT/bench-deploy.tsv" <<'PY'
import sys
print("| run | requests | of them audit events | wall time |")
print("|---|---:|---:|---:|")
for line in open(sys.argv[1]):
    name, total, audit, wall = line.rstrip("\n").split("\t")
    print(f"| {name} | {total} | {audit} | {wall} |")
PY
uptime
