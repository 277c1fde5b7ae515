"""librosa 0.11 on the same clips as serlab's feature benchmark, one thread: the classic 162
vector as the SER notebooks compute it, and MFCC alone. Prints JSON with audio seconds and CPU
seconds (time.process_time), the median of the repeats."""
import json, sys, time
import numpy as np
import librosa
import soundfile as sf

def classic162(y, sr):
    stft = np.abs(librosa.stft(y))
    zcr = np.mean(librosa.feature.zero_crossing_rate(y=y).T, axis=0)
    chroma = np.mean(librosa.feature.chroma_stft(S=stft, sr=sr).T, axis=0)
    mfcc = np.mean(librosa.feature.mfcc(y=y, sr=sr).T, axis=0)
    rms = np.mean(librosa.feature.rms(y=y).T, axis=0)
    mel = np.mean(librosa.feature.melspectrogram(y=y, sr=sr).T, axis=0)
    return np.hstack([zcr, chroma, mfcc, rms, mel])

def main():
    files, repeats = sys.argv[2:], int(sys.argv[1])
    clips = [sf.read(f, dtype="float32") for f in files]
    audio_s = sum(len(y) / sr for y, sr in clips)
    for y, sr in clips[:2]:  # warm-up (numba compilation)
        classic162(y, sr)
    result = {"audio_s": audio_s}
    for name, fn in [("classic162", classic162), ("mfcc", lambda y, sr: librosa.feature.mfcc(y=y, sr=sr))]:
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            for y, sr in clips:
                fn(y, sr)
            times.append(time.process_time() - t0)
        result[name] = sorted(times)[len(times) // 2]
    print(json.dumps(result))

main()
