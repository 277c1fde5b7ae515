#!/usr/bin/env bash
# Sharded extraction on this machine (docs/SCALE.md): the clips of a corpus (default
# ../shared/data/ravdess-dev) through a plugin (default egemaps_ext, what `serlab train` uses),
#   1. one process, all clips, into an empty cache;
#   2. two shard processes (1/2 and 2/2) started together, into another empty cache;
#   3. a whole run again over the filled cache (what reading a cached catalog costs);
#   4. `serlab datasets` alone (the catalog scan every run starts with).
# Prints wall time, CPU time (user+sys of all processes), clips per second and peak memory.
# Needs the release build (`cargo build --release --workspace`) and GNU time (/usr/bin/time).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$root/../shared/data/ravdess-dev}"
plugin="${PLUGIN:-egemaps_ext}"
serlab="${SERLAB:-${CARGO_TARGET_DIR:-$root/target}/release/serlab}"
[ -x "$serlab" ] || { echo "no release build at $serlab: run cargo build --release --workspace (or set SERLAB)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HOME="$work" XDG_CONFIG_HOME="$work/.config" XDG_CACHE_HOME="$work/.cache" XDG_DATA_HOME="$work/.local/share"
cd "$work"
printf '[[corpus]]\nkind = "ravdess"\npath = "%s"\n' "$corpus" > datasets.toml
clips=$("$serlab" datasets --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_clips"])')
"$serlab" plugins > /dev/null # probes the plugins once, outside the timings

# Runs its arguments under GNU time; prints "wall user+sys peak_kib" (wall to the millisecond:
# GNU time's own is to the hundredth).
timed() {
    local t0 t1
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$work/time.$BASHPID" "$@" > /dev/null 2>> "$work/log"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.2f %s\n", b - a, $1 + $2, $3 }' "$work/time.$BASHPID"
}
row() { # label processes wall cpu peak
    awk -v l="$1" -v p="$2" -v w="$3" -v c="$4" -v m="$5" -v n="$clips" \
        'BEGIN { printf "| %-38s | %d | %7.3f | %7.2f | %6.0f | %6.0f |\n", l, p, w, c, n / w, m / 1024 }'
}

echo "corpus: $corpus ($clips clips), plugin: $plugin, $(nproc) cores"
echo
echo "| run | processes | wall s | CPU s | clips/s | peak MiB (per process) |"
echo "|---|---|---|---|---|---|"
read -r wall cpu peak < <(timed "$serlab" --cache-dir "$work/cache1" extract --plugin "$plugin" --cache-only)
row "whole, empty cache" 1 "$wall" "$cpu" "$peak"

start=$(date +%s.%N)
timed "$serlab" --cache-dir "$work/cache2" extract --plugin "$plugin" --shard 1/2 --cache-only > "$work/s1" &
timed "$serlab" --cache-dir "$work/cache2" extract --plugin "$plugin" --shard 2/2 --cache-only > "$work/s2" &
wait
end=$(date +%s.%N)
read -r _ cpu1 peak1 < "$work/s1"
read -r _ cpu2 peak2 < "$work/s2"
row "2 shards at once, empty cache" 2 "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$(awk -v a="$cpu1" -v b="$cpu2" 'BEGIN { print a + b }')" "$((peak1 > peak2 ? peak1 : peak2))"

read -r wall cpu peak < <(timed "$serlab" --cache-dir "$work/cache1" extract --plugin "$plugin" --cache-only)
row "whole, every clip cached" 1 "$wall" "$cpu" "$peak"

read -r wall cpu peak < <(timed "$serlab" datasets)
row "catalog scan only (serlab datasets)" 1 "$wall" "$cpu" "$peak"

grep -h "clips," "$work/log" | sed 's/^/  /'
