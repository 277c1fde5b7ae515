#!/usr/bin/env bash
# Runs the whole test suite (unit, end-to-end, plugins, playback through ALSA, TUI). Tests that
# need ../shared run when it is there (and must, when CI=true); otherwise they say they skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
# The plugins are cdylibs that the tests load from the build folder: build them first.
cargo build --workspace
cargo test --workspace --no-fail-fast "$@"
