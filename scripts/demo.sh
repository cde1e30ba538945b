#!/usr/bin/env bash
# make demo: the main job on the built-in C2 example.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/archcheck
$bin check models/c2.json
