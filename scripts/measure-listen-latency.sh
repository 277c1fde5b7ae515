#!/usr/bin/env bash
# The latency of `serlab listen` (docs/BENCHMARKS.md): a model trained with the defaults on
# ../shared/data/ravdess-dev, then 12 utterances of about 3 s (two clips' speech back to back,
# actors 03-08 at 16 kHz), each after 1.5 s of silence, fed to ALSA's capture from a file and
# listened to on one core (taskset -c 0). Prints the latency from the detector closing an
# utterance to its prediction, and the utterances' lengths.
# Needs the release build (`cargo build --release --workspace`), python3 and taskset.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$root/../shared/data/ravdess-dev}"
serlab="${SERLAB:-${CARGO_TARGET_DIR:-$root/target}/release/serlab}"
work="$(mktemp -d)"
export HOME="$work" XDG_CONFIG_HOME="$work/.config" XDG_CACHE_HOME="$work/.cache" XDG_DATA_HOME="$work/.local/share"
cd "$work"
printf '[[corpus]]\nkind = "ravdess"\npath = "%s"\n' "$corpus" > datasets.toml
"$serlab" train --out model > /dev/null 2> train.log
python3 - "$corpus" <<'PY'
import os, sys, wave, struct, math
root = sys.argv[1]
def speech(path):
    """The clip's samples from its first to its last frame within 30 dB of its loudest (its speech)."""
    w = wave.open(path)
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), path
    data = w.readframes(w.getnframes())
    x = struct.unpack(f"<{len(data) // 2}h", data)
    db = [10 * math.log10(max(sum(v * v for v in x[i:i + 320]) / 320 / 32768 ** 2, 1e-10))
          for i in range(0, len(x) - 320, 320)]
    loud = [k * 320 for k, d in enumerate(db) if d > max(db) - 30]
    return data[loud[0] * 2:(loud[-1] + 320) * 2]
# Actors 03-08 (the development copies at 16 kHz): two clips' speech back to back make each
# utterance about 3 s long; 1.5 s of silence between utterances.
with open('stream.raw', 'wb') as out:
    for actor in [f"Actor_{n:02}" for n in range(3, 9)]:
        names = sorted(f for f in os.listdir(os.path.join(root, actor)) if f.split('-')[2] in ('01', '03', '04', '05'))
        for first, second in [(names[0], names[-1]), (names[1], names[-2])]:
            out.write(b'\0' * 48000)
            out.write(speech(os.path.join(root, actor, first)) + speech(os.path.join(root, actor, second)))
PY
head -c 64000 /dev/zero >> stream.raw
cat > asound.conf <<CONF
pcm.!default { type plug slave.pcm "feed" }
pcm.feed { type file slave.pcm "sink" file "/dev/null" infile "$work/stream.raw" format "raw" }
pcm.sink { type null }
CONF
seconds=$(python3 -c "import os; print(os.path.getsize('stream.raw') / 32000)")
ALSA_CONFIG_PATH="$work/asound.conf" taskset -c 0 "$serlab" listen --model model --json --seconds "$seconds" > heard.jsonl
python3 - <<'PY'
import json, statistics
heard = [json.loads(l) for l in open('heard.jsonl')]
lat = sorted(h['latency_ms'] for h in heard)
lengths = [h['end_s'] - h['start_s'] for h in heard]
print(f"utterances {len(heard)}, speech {min(lengths):.2f}-{max(lengths):.2f} s (mean {statistics.mean(lengths):.2f})")
print(f"latency ms: median {statistics.median(lat):.1f}, 90th percentile {lat[int(0.9 * (len(lat) - 1))]:.1f}, max {lat[-1]:.1f}")
PY
echo "(work folder: $work)"
