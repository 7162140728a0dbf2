#!/usr/bin/env python3
"""The kernel's QR encoder (kernel/lib/qr.c) against a reference and a decoder.

1. Every version 1..40 at levels L and M, each with one of the eight masks
   in turn (and all eight masks at a few versions), and random bytes of a
   length that needs exactly that version: the module matrix must equal
   python3-qrcode's for the same version, level, mask and byte-mode data.
2. Round trips with the automatic mask: payloads from 1 byte to the
   capacity of version 25, text (the kernel's log lines) and binary, each
   encoded by qr_tool into an image and decoded by zbarimg (zbar-tools):
   the decoded bytes must equal the payload.

    test_qr.py QR_TOOL [--seed N]
Prints one line per group and "N passed, M failed"; exit 1 on any failure.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile

import qrcode
from qrcode.util import MODE_8BIT_BYTE, QRData

LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M}


def encode(tool, data, level, vmin, vmax, mask, form):
    r = subprocess.run([tool, level, str(vmin), str(vmax), str(mask), form], input=data,
                       capture_output=True, check=False)
    if r.returncode != 0:
        raise RuntimeError("qr_tool failed: " + r.stderr.decode(errors="replace"))
    return r.stdout


def matrix(tool, data, level, version, mask):
    lines = encode(tool, data, level, version, version, mask, "matrix").decode().split("\n")
    size = 17 + 4 * version
    return lines[:size], lines[size]


def reference(data, level, version, mask):
    q = qrcode.QRCode(version=version, error_correction=LEVELS[level], mask_pattern=mask, border=0)
    q.add_data(QRData(data, mode=MODE_8BIT_BYTE))
    q.make(fit=False)
    return ["".join("1" if m else "0" for m in row) for row in q.get_matrix()]


def capacity(tool, level, version):
    _, info = matrix(tool, b"", level, version, 0)
    return int(info.split()[-1])


def compare_group(tool, rng, cases):
    failed = []
    for level, version, mask in cases:
        cap = capacity(tool, level, version)
        low = capacity(tool, level, version - 1) + 1 if version > 1 else 0
        data = bytes(rng.randrange(256) for _ in range(rng.randint(low, cap)))
        mine, _ = matrix(tool, data, level, version, mask)
        if mine != reference(data, level, version, mask):
            failed.append("%s v%d mask %d (%d bytes)" % (level, version, mask, len(data)))
    return failed


def log_text(rng, n):
    """Text shaped like the summary payload: tags, key=value pairs, numbers, newlines."""
    words = ["RESULT", "bench=bulk", "alloc=llfree", "cores=4", "order=0", "ENV", 'cpu="QEMU TCG"',
             "DONE", "status=ok", "get_avg=", "put_max=", "LLQ1", "1/3", "\n"]
    out = ""
    while len(out) < n:
        out += rng.choice(words) + str(rng.randrange(10 ** rng.randint(0, 12))) + " "
    return out[:n].encode()


def decode(paths):
    """zbarimg's raw bytes for each image (one symbol each; -Sbinary adds no newline)."""
    out = {}
    for path in paths:
        r = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", "-Sqrcode.enable=1", path],
                           capture_output=True, check=False)
        out[path] = r.stdout
    return out


def roundtrip_group(tool, rng, count, tmp):
    jobs = []
    for i in range(count):
        level = "LM"[i % 2]
        cap = capacity(tool, level, 25)
        n = [1, 2, cap][i] if i < 3 else rng.randint(1, cap)
        data = log_text(rng, n) if i % 3 else bytes(rng.randrange(256) for _ in range(n))
        path = os.path.join(tmp, "%d.pgm" % i)
        with open(path, "wb") as f:
            f.write(encode(tool, data, level, 1, 25, "auto", "pgm"))
        jobs.append((path, data, level))
    got = decode([p for p, _, _ in jobs])
    return ["%s %d bytes (%s)" % (level, len(data), path) for path, data, level in jobs if got[path] != data]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tool")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--roundtrips", type=int, default=120)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cases = [(lv, v, (v + k) % 8) for v in range(1, 41) for k, lv in enumerate("LM")]
    cases += [(lv, v, m) for v in (1, 7, 10, 27) for lv in "LM" for m in range(8)]
    passed = failed = 0
    failures = compare_group(args.tool, rng, cases)
    print("matrix equal to python3-qrcode: %d of %d (versions 1..40, L and M, all masks)" %
          (len(cases) - len(failures), len(cases)))
    with tempfile.TemporaryDirectory() as tmp:
        failures2 = roundtrip_group(args.tool, rng, args.roundtrips, tmp)
    print("decoded by zbarimg to the same bytes: %d of %d payloads (1 byte .. version 25)" %
          (args.roundtrips - len(failures2), args.roundtrips))
    for f in failures + failures2:
        print("FAIL " + f)
    failed = len(failures) + len(failures2)
    passed = len(cases) + args.roundtrips - failed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
