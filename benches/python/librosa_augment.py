"""librosa 0.11 time_stretch and pitch_shift on the same clips as serlab's augmentation benchmark,
one thread. Writes every output to OUT_DIR (float WAV) for serlab to measure their quality the same
way as its own, and prints CPU seconds (time.process_time, median of repeats) as JSON."""
import json, os, sys, time
import numpy as np
import librosa
import soundfile as sf

def main():
    out_dir, repeats = sys.argv[1], int(sys.argv[2])
    rates = [float(r) for r in sys.argv[3].split(",")]
    steps = [float(s) for s in sys.argv[4].split(",")]
    files = sys.argv[5:]
    clips = [sf.read(f, dtype="float32") for f in files]
    librosa.effects.time_stretch(clips[0][0], rate=1.1)  # warm-up
    librosa.effects.pitch_shift(clips[0][0], sr=clips[0][1], n_steps=1)
    result = {"audio_s": sum(len(y) / sr for y, sr in clips), "stretch": {}, "pitch": {}}
    for rate in rates:
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            outs = [librosa.effects.time_stretch(y, rate=rate) for y, sr in clips]
            times.append(time.process_time() - t0)
        for f, y, (_, sr) in zip(files, outs, clips):
            sf.write(os.path.join(out_dir, f"stretch_{rate}_{os.path.basename(f)}"), y, sr, subtype="FLOAT")
        result["stretch"][str(rate)] = sorted(times)[len(times) // 2]
    for n in steps:
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            outs = [librosa.effects.pitch_shift(y, sr=sr, n_steps=n) for y, sr in clips]
            times.append(time.process_time() - t0)
        for f, y, (_, sr) in zip(files, outs, clips):
            sf.write(os.path.join(out_dir, f"pitch_{n}_{os.path.basename(f)}"), y, sr, subtype="FLOAT")
        result["pitch"][str(n)] = sorted(times)[len(times) // 2]
    print(json.dumps(result))

main()
