#!/usr/bin/env bash
# Issue 3's benchmark (BENCHMARKS.md, "Verifying a 10,000-instance `cf services` capture"):
# the time and peak memory of
#   archcheck verify MODEL --env bench --cf-services FILE
# on a v8 `cf services` capture of 10,000 instances, healthy and with 100 lost bindings, and
# the share of the text, JSON and JUnit reports.
#
# Needs hyperfine and GNU time (Debian packages `hyperfine` and `time`; installed here with
# apt-get when run as root, else it says how). Builds the release binary first (not timed; a
# build from scratch takes many minutes). Runs in about a minute once built.
# BENCH_RUNS (default 10) sets the runs per command; inputs go to $BENCH_DIR
# (default target/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_DIR:-$CARGO_TARGET_DIR/bench}"
RUNS="${BENCH_RUNS:-10}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh # need COMMAND PACKAGE
need hyperfine hyperfine
need /usr/bin/time time
need python3 python3

cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/archcheck"
mkdir -p "$OUT"

echo "== machine"
echo "nproc: $(nproc)"; lscpu | head -n 15; uptime
echo "== inputs (in $OUT)"
python3 scripts/gen-bench-verify.py model "$OUT/verify-model.json" --instances 10000 --apps-per 10
"$BIN" check "$OUT/verify-model.json"
"$BIN" expect "$OUT/verify-model.json" --env bench --command services --cli v8 >"$OUT/services-healthy.txt"
python3 scripts/gen-bench-verify.py lose "$OUT/services-healthy.txt" "$OUT/services-lost.txt" --every 100
wc -lc "$OUT/services-healthy.txt" "$OUT/services-lost.txt"

M="$OUT/verify-model.json"
H="$OUT/services-healthy.txt"
L="$OUT/services-lost.txt"
verify() { echo "$BIN verify $M --env bench --cf-services $1 --format $2 -o /dev/null"; }

echo "== exit codes (0 healthy, 2 with lost bindings)"
set +e
"$BIN" verify "$M" --env bench --cf-services "$H" -o /dev/null; echo "healthy: $?"
"$BIN" verify "$M" --env bench --cf-services "$L" -o "$OUT/report-lost.txt"; echo "lost: $?"
set -e
head -n 3 "$OUT/report-lost.txt"

echo "== time (hyperfine, $RUNS runs each)"
hyperfine -N -i --warmup 1 --runs "$RUNS" --export-markdown "$OUT/bench-verify.md" \
    -n "check (load the model only)" "$BIN check $M" \
    -n "verify healthy, text" "$(verify "$H" text)" \
    -n "verify 100 lost, text" "$(verify "$L" text)" \
    -n "verify 100 lost, json" "$(verify "$L" json)" \
    -n "verify 100 lost, junit" "$(verify "$L" junit)"
cat "$OUT/bench-verify.md"

echo "== peak memory (/usr/bin/time -v: maximum resident set size)"
mem() {
    local label=$1; shift
    /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.txt" || true
    printf '%-28s %8s KB  %6s s wall  %6s s user\n' "$label" \
        "$(awk -F': ' '/Maximum resident/ {print $2}' "$OUT/time.txt")" \
        "$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$OUT/time.txt")" \
        "$(awk -F': ' '/User time/ {print $2}' "$OUT/time.txt")"
}
mem "check (model only)" "$BIN" check "$M"
for f in text json junit; do
    mem "verify healthy, $f" $(verify "$H" $f)
    mem "verify 100 lost, $f" $(verify "$L" $f)
done
echo "== report sizes"
for f in text json junit; do
    printf '%-6s %10s bytes\n' $f "$("$BIN" verify "$M" --env bench --cf-services "$L" --format $f | wc -c)"
done
