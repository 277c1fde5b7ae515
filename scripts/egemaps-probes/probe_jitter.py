"""Probe openSMILE's cPitchJitter through its C API (the `opensmile` package's libSMILEapi),
with our own config (cpitchjitter.conf): the waveform and an F0 track of our choosing go in,
per-frame jitter/shimmer (and refined F0) and the start of every measured period come out.

Run with the package's Python (scripts/opensmile-venv.sh prints SERLAB_OPENSMILE_PYTHON):

    $SERLAB_OPENSMILE_PYTHON probe_jitter.py CLIP.wav F0.txt [FIRST LAST]

F0.txt: one F0 (Hz, 0 = unvoiced) per 10 ms frame, e.g. the second column of
`cargo run -p serlab-egemaps --example dump_raw CLIP.wav` (separator ';'). With FIRST and LAST,
prints for each voiced frame in that range which periods openSMILE measured in it: F0 is cut to
zero after the frame, so the periods dumped beyond the run before are that frame's.
"""
import os
import sys

import numpy as np
from opensmile.core.lib import OpenSMILE

HERE = os.path.dirname(os.path.abspath(__file__))
HOP = 160


def run(samples_i16, f0, out, periods, rate=16000, conf=os.path.join(HERE, "cpitchjitter.conf")):
    """cPitchJitter over `samples_i16` with `f0` (Hz per frame): writes `out` (CSV) and `periods`.
    The F0 travels as a second float 'audio' stream, each value held over its frame's first hop,
    framed 60 ms / 10 ms like the pitch frames: cPitchJitter then gets F0 frames with real timing
    (a cExternalSource gives frames without time stamps, which it cannot use)."""
    smile = OpenSMILE()
    smile.initialize(conf, {"out": out, "periods": periods, "f0frame": 0.06, "stats": 0}, loglevel=1)
    carrier = np.zeros(len(samples_i16), dtype=np.float32)
    for k, v in enumerate(f0):
        carrier[k * HOP:(k + 1) * HOP] = v
    assert smile.external_audio_source_write_data("f0wave", carrier.tobytes())
    smile.external_audio_source_set_eoi("f0wave")
    assert smile.external_audio_source_write_data("wave", np.asarray(samples_i16, np.int16).tobytes())
    smile.external_audio_source_set_eoi("wave")
    smile.run()
    smile.free()


def read_periods(path):
    return [float(line.split(",")[1]) for line in open(path)]


def main():
    import soundfile as sf

    x, rate = sf.read(sys.argv[1], dtype="int16")
    f0 = [float(line.split(";")[1]) if ";" in line else float(line) for line in open(sys.argv[2])]
    out, per = "/tmp/serlab-jitter-probe.csv", "/tmp/serlab-jitter-probe.periods"
    if len(sys.argv) < 5:
        run(x, f0, out, per, rate)
        print(open(out).read(), end="")
        return
    first, last = int(sys.argv[3]), int(sys.argv[4])
    run(x, f0[:first] + [0.0] * (len(f0) - first), out, per, rate)
    before = read_periods(per)
    for m in range(first, min(last + 1, len(f0))):
        if f0[m] <= 0:
            continue
        run(x, f0[: m + 1] + [0.0] * (len(f0) - m - 1), out, per, rate)
        now = read_periods(per)
        row = open(out).read().splitlines()[m + 1].split(";")
        print(m, f"T0={rate / f0[m]:.1f}", "new period starts", [round(v, 1) for v in now[len(before):]],
              "jitter", row[2], "shimmerDB", row[5], "refinedF0", row[6])
        before = now


if __name__ == "__main__":
    main()
