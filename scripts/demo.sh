#!/usr/bin/env bash
# make demo: the main job on the built-in C2 example.
#  1. validate models/c2.json
#  2. generate its diagrams and living docs
#  3. print what a healthy `cf services` prints for staging
#  4. start a simulated Cloud Controller replaying the 2016 incident
#  5. verify the model against it live, print the report, draw the verdict as SVG
# It exits 0 when the verdict is exactly what the scenario implies: dev and staging CRITICAL
# (lost bindings), prod OK, the report's first line names the lost queue bindings, and each lost
# binding's cause names who deleted it (the scenario's audit trail).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/archcheck
out=demo-out
model=models/c2.json
rm -rf "$out"
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. validate the model"
$bin check "$model"

step "2. diagrams and docs -> $out/docs"
$bin docs "$model" -o "$out/docs"
ls "$out/docs"

step "3. what a healthy 'cf services' prints in staging (cf CLI v8)"
$bin expect "$model" --env staging --command services --cli v8

step "4. a simulated Cloud Controller replaying the incident (scenario c2-incident)"
$bin sim "$model" --listen 127.0.0.1:0 --url-file "$out/sim.url" --scenario c2-incident 2>"$out/sim.log" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [ -s "$out/sim.url" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then cat "$out/sim.log"; echo "demo: the simulator did not start" >&2; exit 1; fi
  sleep 0.1
done
url=$(cat "$out/sim.url")
echo "simulator at $url"

step "5. archcheck verify $model --api $url"
export CF_CLIENT_ID=demo CF_CLIENT_SECRET=demo-secret
set +e
$bin verify "$model" --api "$url" --diagram "$out/verdict.svg" | tee "$out/report.txt"
code=${PIPESTATUS[0]}
$bin verify "$model" --api "$url" --format json -o "$out/report.json"
set -e
echo
echo "exit code: $code; diagram with the verdict: $out/verdict.svg; JSON report: $out/report.json"

step "6. is the verdict what the scenario implies?"
python3 - "$out/report.json" "$out/report.txt" "$code" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
first = open(sys.argv[2]).readline()
code = int(sys.argv[3])
envs = {e["name"]: e["status"] for e in report["environments"]}
lost = sorted(c["id"] for c in report["checks"] if c["kind"] == "binding_exists" and c["status"] == "CRITICAL")
want_lost = sorted([
    "dev/binding/web->db", "dev/binding/web->queue", "dev/binding/worker->db", "dev/binding/worker->queue",
    "staging/binding/web->queue", "staging/binding/worker->queue",
])
problems = []
if code != 2: problems.append(f"exit code {code}, expected 2 (CRITICAL)")
if envs != {"dev": "CRITICAL", "staging": "CRITICAL", "prod": "OK"}: problems.append(f"environment statuses {envs}")
if lost != want_lost: problems.append(f"lost bindings {lost}, expected {want_lost}")
if not first.startswith("CRITICAL") or "c2-staging-redis" not in first and "c2-dev-redis" not in first:
    problems.append(f"headline does not name the lost queue bindings: {first!r}")
for c in report["checks"]:
    if c["id"] in want_lost:
        cause = (c.get("cause") or {}).get("text", "")
        if not cause.startswith("binding deleted by ci-deployer (user) at ") or not cause.endswith("T22:13:05Z, during a manifest push"):
            problems.append(f"{c['id']}: cause {cause!r}")
if problems:
    print("demo FAILED: " + "; ".join(problems)); sys.exit(1)
print("demo OK: dev and staging CRITICAL with exactly the lost bindings of the incident and who deleted them, prod OK")
PY
