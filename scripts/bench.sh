#!/usr/bin/env bash
# make bench: the measurements recorded in BENCHMARKS.md, side by side with hyperfine.
#
# Generates a model of 2,000 apps and 2,000 services in 10 environments
# (scripts/gen_model.py), then times `archcheck render` (DOT and Mermaid), `archcheck docs`
# (without SVG, and with it on a smaller model since Graphviz layout dominates) and
# `jq . FILE` reading the same file. Results go to target/bench/*.md.
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
small="$out/model-200x200x10.json"
python3 scripts/gen_model.py 2000 2000 10 > "$big"
python3 scripts/gen_model.py 200 200 10 > "$small"
"$bin" check "$big"
"$bin" check "$small"

echo "== render and docs on the large model, beside jq"
hyperfine --warmup 2 --min-runs 10 --export-markdown "$out/large.md" \
    --command-name "jq . (read the same file)" "jq . $big > /dev/null" \
    --command-name "archcheck check (load + validate)" "$bin check $big > /dev/null" \
    --command-name "archcheck render (dot)" "$bin render $big > /dev/null" \
    --command-name "archcheck render --format mermaid" "$bin render $big --format mermaid > /dev/null" \
    --command-name "archcheck docs --no-svg" "rm -rf $out/docs-large && $bin docs $big --no-svg -o $out/docs-large > /dev/null"

echo "== docs with and without SVG (Graphviz layout) on the small model"
hyperfine --warmup 1 --runs 3 --export-markdown "$out/svg.md" \
    --command-name "archcheck docs --no-svg (200 apps)" "rm -rf $out/docs-small && $bin docs $small --no-svg -o $out/docs-small > /dev/null" \
    --command-name "archcheck docs (with SVG, 200 apps)" "rm -rf $out/docs-small && $bin docs $small -o $out/docs-small > /dev/null" \
    --command-name "archcheck render --env env00 --format svg (200 apps)" "$bin render $small --env env00 --format svg > /dev/null"

echo "results: $out/large.md $out/svg.md"

echo "== verify a 10,000-instance cf services capture (issue 3)"
"$(dirname "$0")/bench-verify.sh"

echo "== live verification against the simulator with 50 ms a request, 1 to 200 environments (issues 4 and 12)"
"$(dirname "$0")/bench-api.sh"

echo "== watch over 10,000 rounds, and the status page's size and load time (issues 11, 12)"
"$(dirname "$0")/bench-watch.sh"

echo "== deploys: a healthy round, a round with causes, the gate over a rolling deploy (issue 10)"
"$(dirname "$0")/bench-deploy.sh"
