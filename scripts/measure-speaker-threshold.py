#!/usr/bin/env python3
"""How many of a new speaker's clips their own statistics need (docs/RESULTS.md).
Usage: measure-speaker-threshold.py ACTORS SEED, e.g. `10,11,12 1`; needs the release build.
Trains on the other 9 dev actors, tests 3 unseen ones: each actor's 28 clips cut into groups of k
(shuffled, seeded), each group predicted together as one speaker (the speaker path forced by
removing the head from a copy of the model), and each clip alone (the head)."""
import glob, json, os, random, shutil, subprocess, sys, tempfile
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "serlab")
DEV = os.path.join(ROOT, "..", "shared", "data", "ravdess-dev")
CLASSES = {"01": "neutral", "03": "happy", "04": "sad", "05": "angry"}
test_actors = sys.argv[1].split(",")
seed = sys.argv[2]
work = f"{tempfile.gettempdir()}/serlab-threshold/{'-'.join(test_actors)}-{seed}"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(f"{work}/train")
for a in sorted(os.listdir(DEV)):
    if a.startswith("Actor_") and a.split("_")[1] not in test_actors:
        os.symlink(f"{DEV}/{a}", f"{work}/train/{a}")
open(f"{work}/d.toml", "w").write(f'[[corpus]]\nkind = "ravdess"\npath = "{work}/train"\n')
subprocess.run([BIN, "--datasets", f"{work}/d.toml", "train", "--seed", seed, "--out", f"{work}/model"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
shutil.copytree(f"{work}/model", f"{work}/nohead")
shutil.rmtree(f"{work}/nohead/clip-alone")
def predict(model, files):
    out = subprocess.run([BIN, "predict", "--json", "--speaker", "x", "--model", model] + files,
                         check=True, capture_output=True, text=True).stdout
    return [r["class"] for r in json.loads(out)]
def ua(pairs):
    rec = []
    for c in CLASSES.values():
        got = [p == t for t, p in pairs if t == c]
        rec.append(sum(got) / len(got))
    return sum(rec) / len(rec)
rng = random.Random(int(seed))
results = {}
alone = []
for actor in test_actors:
    files = [f for f in sorted(glob.glob(f"{DEV}/Actor_{actor}/*.wav")) if os.path.basename(f).split("-")[2] in CLASSES]
    truth = {f: CLASSES[os.path.basename(f).split("-")[2]] for f in files}
    for f in files:
        alone.append((truth[f], predict(f"{work}/model", [f])[0]))
    for k in [2, 4, 8, 14, 28]:
        for rep in range(3 if k < 28 else 1):
            shuffled = files[:]
            rng.shuffle(shuffled)
            for i in range(0, len(shuffled) - k + 1, k):
                group = shuffled[i:i + k]
                for f, p in zip(group, predict(f"{work}/nohead", group)):
                    results.setdefault(k, []).append((truth[f], p))
line = f"test actors {test_actors} seed {seed}: alone (head) UA {ua(alone):.3f} | " + " | ".join(
    f"k={k}: UA {ua(v):.3f} (n {len(v)})" for k, v in sorted(results.items()))
print(line)
