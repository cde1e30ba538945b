#!/usr/bin/env bash
# make bench: the measurements recorded in BENCHMARKS.md, side by side with hyperfine.
#
# Generates a model of 2,000 apps and 2,000 services in 10 environments
# (scripts/gen_model.py), then times, side by side in one hyperfine run, `jq . FILE` reading the
# same file, `archcheck check`, `archcheck render`, `archcheck docs --no-svg` and `archcheck docs`
# with its SVGs (Graphviz; the environments are too large to lay out node by node, so they are
# drawn grouped), each against jq (issue 12 item 4). Results go to target/bench/large.md and
# target/bench/large-ratios.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is not installed: apt-get install -y hyperfine" >&2
    exit 3
fi
for tool in jq dot python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install -y jq graphviz python3)" >&2; exit 3; }
done

cargo build --release --locked
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
bin="$target_dir/release/archcheck"
out="$target_dir/bench"
mkdir -p "$out"

big="$out/model-2000x2000x10.json"
python3 scripts/gen_model.py 2000 2000 10 > "$big"
"$bin" check "$big"

echo "== jq, check, render, docs without and with SVG on the 2,000 x 2,000 x 10 model, side by side (issue 12 item 4)"
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(uptime)"
# No shell between hyperfine and the commands (-N); each docs run writes into an empty directory.
hyperfine -N --warmup 2 --min-runs 15 --export-markdown "$out/large.md" --export-json "$out/large.json" \
    --prepare true --command-name "jq . M" "jq . $big" \
    --prepare true --command-name "archcheck check M" "$bin check $big" \
    --prepare true --command-name "archcheck render M" "$bin render $big" \
    --prepare "rm -rf $out/docs-large" --command-name "archcheck docs M --no-svg -o DIR" \
    "$bin docs $big --no-svg -o $out/docs-large" \
    --prepare "rm -rf $out/docs-large-svg" --command-name "archcheck docs M -o DIR (SVG)" \
    "$bin docs $big -o $out/docs-large-svg"
echo "after: $(uptime)"
svgs=$(find "$out/docs-large-svg" -name '*.svg' | wc -l)
echo "docs with SVG wrote $svgs SVG files (the system and each of the 10 environments)"
[ "$svgs" -eq 11 ] || { echo "expected 11 SVG files" >&2; exit 1; }
python3 - "$out/large.json" > "$out/large-ratios.md" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
jq = next(r for r in results if r["command"].startswith("jq"))
print("| command | mean wall [ms] | user [ms] | system [ms] | runs | relative to `jq .` |")
print("|:---|---:|---:|---:|---:|---:|")
for r in results:
    print(f"| `{r['command']}` | {r['mean'] * 1000:.1f} ± {r['stddev'] * 1000:.1f} "
          f"| {r['user'] * 1000:.0f} | {r['system'] * 1000:.0f} | {len(r['times'])} "
          f"| {r['mean'] / jq['mean']:.2f} |")
PY
cat "$out/large-ratios.md"
echo "results: $out/large.md $out/large-ratios.md"

echo "== verify a 10,000-instance cf services capture (issue 3)"
"$(dirname "$0")/bench-verify.sh"

echo "== live verification against the simulator with 50 ms a request, 1 to 200 environments (issues 4 and 12)"
"$(dirname "$0")/bench-api.sh"

echo "== watch over 10,000 rounds, and the status page's size and load time (issues 11, 12)"
"$(dirname "$0")/bench-watch.sh"

echo "== deploys: a healthy round, a round with causes, the gate over a rolling deploy (issue 10)"
"$(dirname "$0")/bench-deploy.sh"
