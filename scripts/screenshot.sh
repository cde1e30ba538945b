#!/usr/bin/env bash
# Makes docs/status-page.png, the README's picture of the status page: the simulator plays the
# c2-incident scenario (models/c2.json: staging and dev lost their queue bindings in a
# manifest push), `archcheck watch` verifies it every 2 s, and headless Chromium takes a
# screenshot of staging's page /env/staging, 1280 px wide (OUT, WIDTH and HEIGHT change the
# file and the size; PAGE another page, e.g. /).
#
# Needs chromium, graphviz and curl (installed with apt-get when run as root, else it says
# how). Builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${OUT:-docs/status-page.png}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
WIDTH="${WIDTH:-1280}"
HEIGHT="${HEIGHT:-1400}"
PAGE="${PAGE:-/env/staging}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh # need COMMAND PACKAGE
need chromium chromium
need dot graphviz
need curl curl

cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/archcheck"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
# An empty CF_HOME keeps any real cf CLI login out of it.
export CF_HOME="$WORK/cf-home" CF_OAUTH_TOKEN=screenshot-token
mkdir -p "$CF_HOME"
unset CF_CLIENT_ID CF_CLIENT_SECRET ARCHCHECK_WEBHOOKS

# start NAME COMMAND...: runs it in the background with --url-file, waits for its URL; sets URL.
start() {
    local name=$1; shift
    "$@" --url-file "$WORK/$name.url" >"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    for _ in $(seq 300); do [ -s "$WORK/$name.url" ] && break; sleep 0.1; done
    [ -s "$WORK/$name.url" ] || { echo "error: $name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 3; }
    URL=$(cat "$WORK/$name.url")
}

start sim "$BIN" sim models/c2.json --scenario c2-incident --listen 127.0.0.1:0
start watch "$BIN" watch models/c2.json --api "$URL" --listen 127.0.0.1:0 --interval 2s
# Two rounds done: the page shows a round and its diagrams, not the start.
for _ in $(seq 300); do
    rounds=$(curl -sf "$URL/metrics" | awk '/^archcheck_rounds_total/ {print $2}' || true)
    [ "${rounds:-0}" -ge 2 ] 2>/dev/null && break
    sleep 0.1
done
[ "${rounds:-0}" -ge 2 ] 2>/dev/null || { echo "error: watch made no round; see its log:" >&2; cat "$WORK/watch.log" >&2; exit 3; }

# Root (as in CI) cannot use Chromium's sandbox.
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --disable-extensions --disable-background-networking --hide-scrollbars \
    --user-data-dir="$WORK/chromium" --window-size="$WIDTH,$HEIGHT" --virtual-time-budget=3000 \
    --screenshot="$OUT" "$URL$PAGE" 2>"$WORK/chromium.log" \
    || { cat "$WORK/chromium.log" >&2; exit 3; }
file "$OUT" 2>/dev/null || ls -l "$OUT"
