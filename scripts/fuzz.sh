#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS each (default 60), one after the other, on the
# stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags). Installs cargo-fuzz
# when missing. Each corpus is seeded from the test fixtures; crashes land in
# fuzz/artifacts/<target>/. Usage: scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
FUZZ_SANITIZER="${FUZZ_SANITIZER:-address}"
export CARGO_TARGET_DIR="$PWD/fuzz/target"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi

seed() {
    local dir="fuzz/corpus/$1"
    shift
    mkdir -p "$dir"
    for f in "$@"; do
        cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
}
seed cf_services tests/fixtures/cf/*/*.txt
seed cf_apps tests/fixtures/cf/*/*.txt
seed cf_env tests/fixtures/cf/*/*.txt
seed model_load models/*.json
seed manifest_read tests/fixtures/manifest/*.yml

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cf_services cf_apps cf_env model_load manifest_read)
for t in "${targets[@]}"; do
    echo "== fuzz $t for ${FUZZ_SECONDS}s"
    cargo fuzz run --sanitizer "$FUZZ_SANITIZER" --debug-assertions "$t" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1
done
