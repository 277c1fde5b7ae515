#!/usr/bin/env python3
"""Writes the hostile WAV files of tests/nasty/wav (checked in; rerun only to change them).

Each file is small (at most a few KB) but lies in its header in one way; tests/fuzz.rs lists what
serlab must answer for each, and seeds its mutation runs with them."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wav")


def fmt_chunk(tag=1, channels=1, rate=16000, bits=16, align=None, extra=b""):
    align = channels * (bits // 8) if align is None else align
    body = struct.pack("<HHIIHH", tag, channels, rate, rate * align & 0xFFFFFFFF, align, bits) + extra
    return b"fmt " + struct.pack("<I", len(body)) + body


def chunk(cid, body, declared=None):
    size = len(body) if declared is None else declared
    pad = b"\0" if len(body) % 2 else b""
    return cid + struct.pack("<I", size) + body + pad


def riff(*chunks, magic=b"RIFF", kind=b"WAVE"):
    body = kind + b"".join(chunks)
    return magic + struct.pack("<I", len(body)) + body


def pcm16(n=800):
    return b"".join(struct.pack("<h", (i * 37) % 2000 - 1000) for i in range(n))


def extensible(channels=2, bits=16, subtag=1, cb_size=22):
    # cbSize, valid bits, channel mask, then a sub-format GUID starting with the plain tag.
    guid = struct.pack("<H", subtag) + bytes.fromhex("000000001000800000aa00389b71")
    return struct.pack("<HHI", cb_size, bits, 3) + guid


good = pcm16()
files = {
    "valid_16bit.wav": riff(fmt_chunk(), chunk(b"data", good)),
    "empty.wav": b"",
    "riff_only.wav": b"RIFF\x10\0\0\0",
    "truncated_header.wav": riff(fmt_chunk(), chunk(b"data", good))[:30],
    "not_riff.wav": b"ID3\x04\0\0\0\0\0\0" + bytes(200),
    "rifx_big_endian.wav": riff(fmt_chunk(), chunk(b"data", good), magic=b"RIFX"),
    "rf64.wav": riff(fmt_chunk(), chunk(b"data", good), magic=b"RF64"),
    "riff_avi.wav": riff(chunk(b"LIST", bytes(64)), kind=b"AVI "),
    "fmt_too_small.wav": riff(b"fmt " + struct.pack("<I", 8) + bytes(8), chunk(b"data", good)),
    "fmt_past_end.wav": riff(b"fmt " + struct.pack("<I", 1000) + bytes(16)),
    "data_before_fmt.wav": riff(chunk(b"data", good), fmt_chunk()),
    "no_data_chunk.wav": riff(fmt_chunk(), chunk(b"LIST", bytes(40))),
    "no_fmt_chunk.wav": riff(chunk(b"LIST", bytes(40))),
    "data_past_end.wav": riff(fmt_chunk(), chunk(b"data", good[:100], declared=5000)),
    "data_2gb_in_1kb.wav": riff(fmt_chunk(), chunk(b"data", good[:900], declared=0x80000000)),
    "data_4gb_in_1kb.wav": riff(fmt_chunk(), chunk(b"data", good[:900], declared=0xFFFFFFFF)),
    "junk_chunk_4gb.wav": riff(fmt_chunk(), chunk(b"junk", bytes(16), declared=0xFFFFFFF0), chunk(b"data", good)),
    "data_empty.wav": riff(fmt_chunk(), chunk(b"data", b"")),
    "zero_channels.wav": riff(fmt_chunk(channels=0, align=2), chunk(b"data", good)),
    "channels_65535.wav": riff(fmt_chunk(channels=65535, align=65534), chunk(b"data", good)),
    "rate_0hz.wav": riff(fmt_chunk(rate=0), chunk(b"data", good)),
    "rate_4ghz.wav": riff(fmt_chunk(rate=4_000_000_000), chunk(b"data", good)),
    "bits_1.wav": riff(fmt_chunk(bits=1, align=1), chunk(b"data", good)),
    "bits_64_float.wav": riff(fmt_chunk(tag=3, bits=64), chunk(b"data", good)),
    "bits_64_int.wav": riff(fmt_chunk(bits=64), chunk(b"data", good)),
    "bits_0.wav": riff(fmt_chunk(bits=0, align=0), chunk(b"data", good)),
    "block_align_wrong.wav": riff(fmt_chunk(align=3), chunk(b"data", good)),
    "mp3_in_wav.wav": riff(fmt_chunk(tag=0x55), chunk(b"data", good)),
    "unknown_codec.wav": riff(fmt_chunk(tag=0x1234), chunk(b"data", good)),
    "extensible_pcm16_stereo.wav": riff(
        fmt_chunk(tag=0xFFFE, channels=2, extra=extensible()), chunk(b"data", good)
    ),
    "extensible_float32.wav": riff(
        fmt_chunk(tag=0xFFFE, channels=1, bits=32, extra=extensible(1, 32, 3)),
        chunk(b"data", b"".join(struct.pack("<f", 0.25) for _ in range(400))),
    ),
    "extensible_no_subformat.wav": riff(
        fmt_chunk(tag=0xFFFE, channels=2, extra=struct.pack("<H", 0)), chunk(b"data", good)
    ),
    "extensible_adpcm.wav": riff(
        fmt_chunk(tag=0xFFFE, channels=1, extra=extensible(1, 16, 2)), chunk(b"data", good)
    ),
    "odd_chunk_before_data.wav": riff(fmt_chunk(), chunk(b"LIST", bytes(7)), chunk(b"data", good)),
    "partial_last_frame.wav": riff(fmt_chunk(channels=2), chunk(b"data", good + b"\x01")),
    "float_nan_inf.wav": riff(
        fmt_chunk(tag=3, bits=32),
        chunk(b"data", struct.pack("<4f", float("nan"), float("inf"), float("-inf"), 0.5)),
    ),
    "int24.wav": riff(fmt_chunk(bits=24), chunk(b"data", bytes(300))),
    "int8.wav": riff(fmt_chunk(bits=8), chunk(b"data", bytes([128] * 300))),
    "riff_size_lies.wav": b"RIFF\xff\xff\xff\xff" + riff(fmt_chunk(), chunk(b"data", good))[8:],
    "one_hour_header.wav": riff(fmt_chunk(rate=48000, channels=2), chunk(b"data", b"", declared=0))[:-8]
    + b"data" + struct.pack("<I", 48000 * 2 * 2 * 3600),
}

os.makedirs(OUT, exist_ok=True)
for name, data in sorted(files.items()):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"wrote {len(files)} files to {OUT}")
