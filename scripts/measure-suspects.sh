#!/usr/bin/env bash
# How well `serlab labels suspects` finds wrong labels on real speech (docs/RESULTS.md): flips 24
# labels of ../shared/data/ravdess-dev at random (seed 7) in a throwaway HOME, trains with 4
# speaker folds and the defaults, lists the suspects and counts the flips in the top 10 %.
# Needs the release build (`cargo build --release --workspace`) and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$root/../shared/data/ravdess-dev}"
serlab="${SERLAB:-${CARGO_TARGET_DIR:-$root/target}/release/serlab}"
work="$(mktemp -d)"
export HOME="$work" XDG_CONFIG_HOME="$work/.config" XDG_CACHE_HOME="$work/.cache" XDG_DATA_HOME="$work/.local/share"
cd "$work"
printf '[[corpus]]\nkind = "ravdess"\npath = "%s"\n' "$corpus" > datasets.toml
python3 - "$corpus" <<'PY'
import os, random, sys
root = sys.argv[1]
code = {'01': 'neutral', '03': 'happy', '04': 'sad', '05': 'angry'}
clips = []
for actor in sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))):
    for f in sorted(os.listdir(os.path.join(root, actor))):
        if f.endswith('.wav') and f.split('-')[2] in code:
            clips.append((f"{actor}/{f}", code[f.split('-')[2]]))
random.seed(7)
with open('flips.txt', 'w') as out:
    for path, label in random.sample(clips, 24):
        out.write(f"{path} {random.choice([c for c in code.values() if c != label])}\n")
PY
while read -r path label; do "$serlab" labels set ravdess "$path" "$label" > /dev/null; done < flips.txt
"$serlab" train --folds 4 --out model --json > metrics.json 2> train.log
"$serlab" labels suspects --model model --json --top 100000 > suspects.json
python3 - <<'PY'
import json
suspects = json.load(open('suspects.json')); metrics = json.load(open('metrics.json'))
flips = {line.split()[0] for line in open('flips.txt')}
n = metrics['n']; top = round(n * 0.1)
ranks = sorted(i for i, s in enumerate(suspects) if s['path'] in flips)
print(f"clips {n}, UA {metrics['unweighted_accuracy']:.3f}, suspects {len(suspects)}, top 10 % = {top}")
print(f"flipped labels in the top 10 %: {sum(r < top for r in ranks)} of {len(flips)}")
print(f"flipped labels among all suspects: {len(ranks)} (ranks {ranks})")
PY
echo "(work folder: $work)"
