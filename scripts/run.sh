#!/usr/bin/env bash
# Builds and starts serlab (the terminal UI; on the synthetic demo corpus when no datasets.toml
# configures real corpora). Arguments are passed on: `scripts/run.sh datasets --json`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
# Build the plugins (cdylibs found next to the binary) along with serlab itself.
cargo build --release --workspace --quiet
exec cargo run --release --quiet --bin serlab -- "$@"
