"""Work in progress: cPitchJitter's per-frame rules as measured with probe_jitter.py (see
docs/EGEMAPS.md, "cPitchJitter, probed"). It reproduces openSMILE's track starts and its
period boundaries, but not yet its period lengths after an onset nor the schedule after a start
that followed failed attempts, so the plugin does not use it yet.

    Emulator(samples_float, f0_per_frame).run() -> [(jitter, shimmer_db, new_periods)], starts
"""
import numpy as np

HOP = 160
SEARCH = 0.1
MIN_CC = 0.5


def parabola_peak(x, i):
    """Sub-sample position and height of the maximum at sample i."""
    a, b, c = x[i - 1], x[i], x[i + 1]
    d = a - 2 * b + c
    off = 0.0 if d == 0 else 0.5 * (a - c) / d
    return i + off, b - 0.25 * (a - c) * off


def largest(x, lo, hi):
    return lo + int(np.argmax(x[lo:hi]))


def correlation(x, i, lag, width):
    a, b = x[i:i + width], x[i + lag:i + lag + width]
    den = np.sqrt(np.dot(a, a) * np.dot(b, b))
    return 0.0 if den <= 0 else float(np.dot(a, b) / den)


class Emulator:
    def __init__(self, x, f0, rate=16000):
        self.x, self.f0, self.rate = np.asarray(x, float), f0, rate

    def measure(self, start, t0):
        """The period starting at `start`: (length, next start, amplitude at its end) or None."""
        x, i = self.x, int(round(start))
        lo, hi, width = int(np.floor(t0 * (1 - SEARCH))), int(np.ceil(t0 * (1 + SEARCH))), int(round(t0))
        if i < 1 or i + 2 * hi + width + 2 >= len(x):
            return None
        cc = [correlation(x, i, lag, width) for lag in range(lo - 1, hi + 2)]
        k = int(np.argmax(cc[1:-1])) + 1
        if cc[k] < MIN_CC:
            return None
        d = cc[k - 1] - 2 * cc[k] + cc[k + 1]
        lag = lo - 1 + k
        length = lag + (0.0 if d == 0 else 0.5 * (cc[k - 1] - cc[k + 1]) / d)
        # The next boundary: the largest sample between half a period and ~1.47 periods on.
        nxt = largest(x, i + lag - int(t0 / 2) + 1, i + lag + int(t0 / 2) - int(0.03 * t0) + 1)
        position, amplitude = parabola_peak(x, nxt)
        return length, position, amplitude

    def run(self):
        x, out, starts = self.x, [], []
        state, last = "idle", (0.0, 0.0)
        for m, f in enumerate(self.f0):
            new = []
            if f <= 0:
                state, last = "idle", (0.0, 0.0)
                out.append((0.0, 0.0, new))
                continue
            t0 = self.rate / f
            if state == "idle":
                # Start attempts walk T0-long windows from the first voiced frame.
                state, window, ref, first_frame, ref_frame = "search", m * HOP, m * HOP, True, m
            p = ref + HOP * (m - ref_frame)
            count = 0
            while True:
                e = window if state == "search" else nxt
                if count == 0 and not first_frame:
                    if not e <= p - 1.5:
                        break
                elif count > 0 and not e + 2 * (1 + SEARCH) * t0 <= p + HOP - 2:
                    break
                first_frame = False
                if state == "search":
                    if int(window + t0) + 2 >= len(x):
                        break
                    s0, amp = parabola_peak(x, largest(x, max(int(window), 1), int(window + t0)))
                    r = self.measure(s0, t0)
                    count += 1
                    if r is None:
                        window += t0
                        continue
                    state, ref, ref_frame, p = "track", s0, m, s0
                    prev_len, prev_amp, e = None, amp, s0
                else:
                    r = self.measure(nxt, t0)
                    if r is None:
                        state, window, ref, ref_frame, first_frame = "search", nxt + t0, nxt + t0, m, True
                        break
                    count += 1
                length, nxt, amp = r
                starts.append(e)
                new.append((prev_len, length, prev_amp, amp))
                prev_len, prev_amp = length, amp
            if new:
                pairs = [(a, b) for a, b, _, _ in new if a is not None]
                jitter = sum(abs(b - a) for a, b in pairs) / sum(b for _, b in pairs) if pairs else 0.0
                change = sum(abs(d - c) for _, _, c, d in new)
                level = sum((abs(c) + abs(d)) / 2 for _, _, c, d in new)
                last = (jitter, 20 * np.log10(1 + change / level) if level > 0 else 0.0)
            out.append((last[0], last[1], new))
        return out, starts
