#!/usr/bin/env python3
"""Turn the kernel's summary QR codes, as scanned, back into log lines.

At the end of a run the kernel shows its summary on the screen with one or
more QR codes beside it (docs/console.md). Scan them (a phone's camera app, or
`zbarimg --raw photo.jpg`), put the texts into files or pipe them in, in any
order, duplicates allowed, and this prints the log lines they carry: BOOT,
ENV, TEST, every RESULT and DONE, which tools/logparse.py and tools/plot.py
read like any other log.

    tools/qrlog.py scans.txt [more.txt ...] [-o run.log] [--run ID] [--partial]
    zbarimg --raw shot1.png shot2.png | tools/qrlog.py -o run.log

Exit status: 0 all parts of one run were found and checked; 1 a part is
missing (which ones are named) or only broken parts were found; 2 bad
usage or several runs without --run. Pure Python 3 standard library.
"""

import argparse
import re
import sys
import zlib

HEADER = re.compile(r"(?:QR-Code:)?LLQ1 (\d+)/(\d+) ([0-9a-f]{4}) ([0-9a-f]{8})$")


class Part:
    def __init__(self, k, n, run, crc, body):
        self.k, self.n, self.run, self.crc, self.body = k, n, run, crc, body

    def valid(self):
        return zlib.crc32(self.body.encode("utf-8", "surrogateescape")) == self.crc


def split_parts(text):
    """Every LLQ1 part in `text`: its header, then the lines up to the next header."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    parts, current = [], None
    for line in lines:
        m = HEADER.match(line.strip())
        if m:
            current = [m, []]
            parts.append(current)
        elif current is not None:
            current[1].append(line)
    out = []
    for m, body in parts:
        while body and body[-1] == "":  # a scanner's or zbarimg's trailing newlines
            body.pop()
        out.append(Part(int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4), 16),
                        "".join(line + "\n" for line in body)))
    return out


def expand(body):
    """The log lines of one part: K lines name the keys of the R lines after them."""
    keys, out = None, []
    for line in body.splitlines():
        if line.startswith("K "):
            keys = line.split()[1:]
        elif line.startswith("R "):
            values = line.split()[1:]
            if not keys or len(values) != len(keys) - 1:
                raise ValueError("R line without matching K line: %r" % line)
            out.append(keys[0] + "".join(" %s=%s" % kv for kv in zip(keys[1:], values)))
        elif line:
            out.append(line)
    return out


def collect(parts, run, warn):
    """The checked parts of one run, by number; SystemExit(2) when runs must be told apart."""
    good = {}
    for p in parts:
        if not p.valid():
            warn("part %d/%d of run %s: checksum mismatch, skipped (scan it again)" % (p.k, p.n, p.run))
            continue
        good.setdefault(p.run, {})[p.k] = p
    if run is None and len(good) > 1:
        warn("several runs scanned (%s): choose one with --run" % ", ".join(sorted(good)))
        raise SystemExit(2)
    if run is None:
        return next(iter(good.items()), (None, {}))
    return run, good.get(run, {})


def main(argv=None):
    ap = argparse.ArgumentParser(description="The kernel's summary QR codes (scanned text) to log lines.")
    ap.add_argument("inputs", nargs="*", help="files with scanned QR texts ('-' or none: standard input)")
    ap.add_argument("-o", "--output", help="log file to write (default: standard output)")
    ap.add_argument("--run", help="the run to take (4 hex digits, as under each code) when several were scanned")
    ap.add_argument("--partial", action="store_true", help="write the parts found even if some are missing")
    args = ap.parse_args(argv)
    warn = lambda msg: print("qrlog: " + msg, file=sys.stderr)

    text = ""
    for name in args.inputs or ["-"]:
        try:
            text += (sys.stdin.read() if name == "-" else open(name, encoding="utf-8", errors="surrogateescape").read())
            text += "\n"
        except OSError as e:
            warn(str(e))
            return 2
    run, parts = collect(split_parts(text), args.run, warn)
    if not parts:
        warn("no intact LLQ1 part found" + (" of run %s" % run if run else ""))
        return 1
    n = max(p.n for p in parts.values())
    missing = [k for k in range(1, n + 1) if k not in parts]
    if missing:
        warn("run %s: missing part%s %s of %d" % (run, "s" if len(missing) > 1 else "",
                                                 ", ".join(map(str, missing)), n))
        if not args.partial:
            return 1
    lines = []
    for k in sorted(parts):
        lines += expand(parts[k].body)
    out = open(args.output, "w") if args.output else sys.stdout
    out.write("".join(line + "\n" for line in lines))
    if args.output:
        out.close()
        warn("run %s: %d of %d parts, %d lines -> %s" % (run, n - len(missing), n, len(lines), args.output))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
