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
#      it exits 0;
#   3. causes at scale: the model of scripts/gen_model.py 2000 2000 10 (20,000 apps, 60,000
#      bindings) against `archcheck sim` (no latency) with every other service instance deleted
#      (10,000 delete-instance faults in one POST, timed): the wall time, CPU time and peak RSS
#      (/usr/bin/time -v) of `archcheck verify --api URL --format json`, whose 30,000 CRITICAL
#      checks are explained from 10,000 audit events. With BENCH_PEER_BIN=/path/to/archcheck
#      (e.g. a release build of another commit) the peer's verify runs on the same world,
#      alternating with this one, its report compared byte for byte, and the peer's simulator
#      takes the same POST.
#
# Needs hyperfine, curl, python3 and time (apt-get install -y hyperfine curl python3 time;
# installed here when run as root). Builds the release binary first (not timed). Takes about 3
# minutes, most of it the two 60 s deploys, plus part 3 (under a minute here; minutes with an
# old peer); BENCH_RUNS (default 10) sets the runs of the rounds, BENCH_LARGE_RUNS (default 3)
# those of part 3, BENCH_DEPLOY_LARGE=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}"
RUNS="${BENCH_RUNS:-10}"
LATENCY_MS=50
DEPLOY_SECS=60
POLL_SECS=5

# shellcheck source=scripts/lib.sh
source scripts/lib.sh # need COMMAND PACKAGE
need hyperfine hyperfine
need curl curl
need python3 python3
need /usr/bin/time time
LARGE="${BENCH_DEPLOY_LARGE:-1}"
LARGE_RUNS="${BENCH_LARGE_RUNS:-3}"
PEER="${BENCH_PEER_BIN:-}"

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

if [ "$LARGE" = 1 ]; then
    echo "== 3. causes at scale: 2,000 apps, 2,000 services, 10 environments, every other instance deleted"
    L="$OUT/causes-large.json"
    python3 scripts/gen_model.py 2000 2000 10 >"$L"
    python3 -c "import json;print(json.dumps({'faults':[f'delete-instance:env{e:02d}:svc{s:05d}' for e in range(10) for s in range(0,2000,2)]}))" >"$OUT/causes-faults.json"
    : >"$OUT/causes.tsv"
    # large_sim BIN NAME: a simulator of the large model run by BIN, its 10,000 faults posted
    # (timed, into causes.tsv); sets LU and LPID.
    large_sim() {
        local url_file="$OUT/sim-url-large-$2"
        rm -f "$url_file"
        "$1" sim "$L" --listen 127.0.0.1:0 --url-file "$url_file" >"$OUT/sim-large-$2.log" 2>&1 &
        LPID=$!
        SIMS+=("$LPID")
        for _ in $(seq 300); do [ -s "$url_file" ] && break; sleep 0.1; done
        [ -s "$url_file" ] || { echo "error: the simulator did not start; see $OUT/sim-large-$2.log" >&2; exit 3; }
        LU=$(cat "$url_file")
        local secs
        secs=$(curl -sf --max-time 900 -X POST "$LU/_sim/faults" --data-binary @"$OUT/causes-faults.json" \
            -o /dev/null -w '%{time_total}')
        printf '%s\t%s\n' "$2: POST /_sim/faults (10,000 delete-instance)" "$secs s" >>"$OUT/causes.tsv"
    }
    # large_verify BIN NAME RUN: one verify of the large world; wall, CPU and peak RSS into
    # causes.tsv, the report into causes-NAME.json.
    large_verify() {
        /usr/bin/time -f '%e %U %S %M' -o "$OUT/causes-time" "$1" verify "$L" --api "$LU" --timeout 10m \
            --format json -o "$OUT/causes-$2.json" || true
        # The last line: time says a non-zero exit on a line of its own before it.
        read -r wall user sys rss < <(tail -n 1 "$OUT/causes-time")
        printf '%s\t%s s wall, %s s CPU (user %s, sys %s), peak RSS %s MB\n' "$2: verify --api, run $3" "$wall" \
            "$(python3 -c "print(f'{$user + $sys:.1f}')")" "$user" "$sys" "$((rss / 1024))" >>"$OUT/causes.tsv"
    }
    if [ -n "$PEER" ]; then
        large_sim "$PEER" peer
        kill "$LPID"
    fi
    large_sim "$BIN" this
    "$BIN" verify "$L" --api "$LU" --format json -o "$OUT/causes-this.json" || true
    python3 - "$OUT/causes-this.json" <<'PY'
import json, sys
checks = json.load(open(sys.argv[1]))["checks"]
print(f"{len(checks)} checks, {sum(c['status'] == 'CRITICAL' for c in checks)} CRITICAL, "
      f"{sum('event' in c.get('cause', {}) for c in checks)} explained by an audit event")
PY
    for run in $(seq "$LARGE_RUNS"); do
        large_verify "$BIN" this "$run"
        [ -z "$PEER" ] || large_verify "$PEER" peer "$run"
    done
    if [ -n "$PEER" ]; then
        if cmp -s "$OUT/causes-this.json" "$OUT/causes-peer.json"; then same=yes; else same=NO; fi
        printf '%s\t%s\n' "reports of this and the peer on the same world identical" "$same" >>"$OUT/causes.tsv"
    fi
    echo "-- causes at scale"
    tr '\t' '|' <"$OUT/causes.tsv" | sed 's/^/| /; s/$/ |/'
fi

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
