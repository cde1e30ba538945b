#!/usr/bin/env bash
# The incident drill, recorded: a simulated Cloud Controller (healthy), `archcheck watch
# --state` every second, and the incident's steps posted to the simulator as runtime faults:
#  1. staging loses its database and queue bindings;
#  2. the database binding comes back, the queue bindings do not (still CRITICAL);
#  3. everything comes back.
# Then `archcheck history` tells it. Output in drill-out/ (the state file, the history).
# STEP_SECONDS (default 3) is how long each step lasts.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/archcheck
out=drill-out
model=models/c2.json
step_seconds=${STEP_SECONDS:-3}
rm -rf "$out"
mkdir -p "$out"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
wait_file() {
  for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "drill: $1 was not written" >&2
  exit 1
}

$bin sim "$model" --listen 127.0.0.1:0 --url-file "$out/sim.url" 2>"$out/sim.log" &
pids+=($!)
wait_file "$out/sim.url"
sim=$(cat "$out/sim.url")
export CF_CLIENT_ID=drill CF_CLIENT_SECRET=drill
$bin watch "$model" --api "$sim" --interval 1s --listen 127.0.0.1:0 --url-file "$out/watch.url" \
  --state "$out/drill.db" 2>"$out/watch.log" &
pids+=($!)
wait_file "$out/watch.url"
faults() { curl -fsS -X DELETE "$sim/_sim/faults" >/dev/null; [ $# -eq 0 ] || curl -fsS -X POST "$sim/_sim/faults" -d "$1" >/dev/null; }
sleep "$step_seconds"
echo "drill: staging loses its database and queue bindings"
faults '{"faults":["unbind:staging:web:db","unbind:staging:worker:db","unbind:staging:web:queue","unbind:staging:worker:queue"]}'
sleep "$step_seconds"
echo "drill: the database bindings come back, the queue bindings do not"
faults '{"faults":["unbind:staging:web:queue","unbind:staging:worker:queue"]}'
sleep "$step_seconds"
echo "drill: everything comes back"
faults
sleep "$step_seconds"
$bin history --state "$out/drill.db" --env staging | tee "$out/history.txt"
