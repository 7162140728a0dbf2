#!/usr/bin/env python3
"""Turn benchmark logs into CSV: one row per RESULT line.

Reads any log our programs write (docs/serial-log.md): QEMU serial
output with escape codes and firmware noise, real hardware, the host program
llfree-bench, or several of them concatenated. Lines tagged RESULT become
rows; the columns are the union of their keys (in order of first appearance),
then the keys of the ENV line of the run each result came from (prefixed
env_), then those of its BOOT line (prefixed boot_: firmware, loader,
cmdline, version), then source (file) and line (number).

A run starts at a BOOT line, or at an ENV line without a BOOT since the last
ENV (the host program prints no BOOT); a RESULT before any ENV in its file
gets empty env_ columns. run_source() names where a run ran (host, QEMU,
hardware) from its ENV and BOOT keys; plot.py and report.py use it. Malformed tagged lines (broken logfmt, a RESULT missing a
required key, a truncated last line) are reported on stderr with their line
number and skipped.

Pure Python 3 standard library.
"""

import argparse
import csv
import re
import sys

# ANSI/VT100 escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST),
# and two-character escapes (ESC x).
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A capture tool's timestamp before the tag, e.g. "[  12.345678] RESULT ..." (grabserial, dmesg style).
TIMESTAMP = re.compile(r"^\[[0-9 .:T-]+\]\s*")
TAG = re.compile(r"([A-Z][A-Z0-9_]*)(?: (.*))?$")
PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.\-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')

REQUIRED = ["bench", "alloc", "cores", "order", "iteration", "memory", "allocs",
            "get_min", "get_avg", "get_max", "put_min", "put_avg", "put_max"]
REQUIRED_FRAG = ["round", "free_frames", "free_huge", "moves"]
# Tags whose payload must be logfmt; other upper-case words start lines for people.
MACHINE_TAGS = {"BOOT", "ENV", "MEM", "CPU", "TEST", "RESULT", "PROGRESS", "WARN",
                "ERROR", "DONE", "BENCH"}


# ENV hypervisor= (CPUID leaf 0x40000000 vendor) -> a name for people.
HYPERVISORS = {"TCGTCGTCGTCG": "QEMU (TCG)", "KVMKVMKVM": "KVM", "Microsoft Hv": "Hyper-V",
               "VMwareVMware": "VMware", "VBoxVBoxVBox": "VirtualBox", "XenVMMXenVMM": "Xen",
               "bhyve bhyve ": "bhyve", " lrpepyh  vr": "Parallels"}
FIRMWARE = {"bios": "BIOS", "uefi": "UEFI", "pvh": "PVH"}


def run_source(env, boot):
    """Where a run ran, for titles: 'host', 'host (KVM guest)', 'QEMU (TCG), UEFI',
    'KVM guest, BIOS', 'hardware, UEFI', or 'unknown source' without an ENV line."""
    hv = env.get("hypervisor", "")
    if env.get("platform") == "host":
        return "host" if hv in ("", "none") else "host (%s guest)" % HYPERVISORS.get(hv, hv.strip())
    if not hv:
        where = "unknown source"
    elif hv == "none":
        where = "hardware"
    elif hv == "TCGTCGTCGTCG":
        where = "QEMU (TCG)"
    else:
        where = "%s guest" % HYPERVISORS.get(hv, hv.strip())
    firmware = boot.get("firmware", "")
    return where + (", " + FIRMWARE.get(firmware, firmware) if firmware else "")


class BadLine(Exception):
    pass


def clean(raw):
    """The text of a log line without escape codes, control characters or edges."""
    text = ESCAPE.sub("", raw)
    text = CONTROL.sub("", text)
    return TIMESTAMP.sub("", text.strip())


def unquote(value):
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_pairs(payload):
    """logfmt key=value pairs, in order; BadLine if anything else is there."""
    pairs = {}
    pos = 0
    while pos < len(payload):
        m = PAIR.match(payload, pos)
        if not m:
            raise BadLine("not key=value at column %d: %r" % (pos + 1, payload[pos:pos + 20]))
        key, value = m.group(1), m.group(2)
        if key in pairs:
            raise BadLine("key %r twice" % key)
        pairs[key] = unquote(value)
        pos = m.end()
    return pairs


def parse_line(text):
    """(tag, pairs) for a machine line, None for a line for people."""
    m = TAG.match(text)
    if not m or m.group(1) not in MACHINE_TAGS:
        return None
    return m.group(1), parse_pairs(m.group(2) or "")


def check_result(pairs):
    missing = [k for k in REQUIRED if k not in pairs]
    if pairs.get("bench") == "frag":
        missing += [k for k in REQUIRED_FRAG if k not in pairs]
    if missing:
        raise BadLine("RESULT without " + ", ".join(missing))
    for key in REQUIRED[2:]:
        if not pairs[key].isdigit():
            raise BadLine("RESULT %s=%r is not a number" % (key, pairs[key]))


class Collector:
    def __init__(self, warn, report=None):
        """warn(message) for each line skipped as malformed; report(message) for each ERROR
        line and failed DONE line the log itself reports (default: warn)."""
        self.rows = []
        self.warn = warn
        self.report = report or warn
        self.bad = 0
        self.errors = 0

    def read(self, name, stream, on_line=None):
        """Collects the RESULT rows of one log; on_line(number, tag, pairs, text), when given,
        sees every well-formed tagged line."""
        env, boot = {}, {}
        for number, raw in enumerate(stream, 1):
            text = clean(raw)
            try:
                parsed = parse_line(text)
            except BadLine as e:
                self.bad += 1
                self.warn("%s:%d: skipped: %s" % (name, number, e))
                continue
            if parsed is None:
                continue
            tag, pairs = parsed
            if on_line:
                on_line(number, tag, pairs, text)
            if tag == "BOOT":
                env, boot = {}, pairs
            elif tag == "ENV":
                if env:  # a second ENV without a BOOT: a new run (host program)
                    boot = {}
                env = pairs
            elif tag == "ERROR" or (tag == "DONE" and pairs.get("status") != "ok"):
                self.errors += 1
                self.report("%s:%d: log reports: %s" % (name, number, text))
            elif tag == "RESULT":
                try:
                    check_result(pairs)
                except BadLine as e:
                    self.bad += 1
                    self.warn("%s:%d: skipped: %s" % (name, number, e))
                    continue
                self.rows.append((pairs, env, boot, name, number))

    def write(self, out):
        keys, env_keys, boot_keys = [], [], []
        for pairs, env, boot, _, _ in self.rows:
            keys += [k for k in pairs if k not in keys]
            env_keys += [k for k in env if k not in env_keys]
            boot_keys += [k for k in boot if k not in boot_keys]
        columns = keys + ["env_" + k for k in env_keys] + ["boot_" + k for k in boot_keys]
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns + ["source", "line"])
        for pairs, env, boot, name, number in self.rows:
            row = [pairs.get(k, "") for k in keys]
            row += [env.get(k, "") for k in env_keys]
            row += [boot.get(k, "") for k in boot_keys]
            w.writerow(row + [name, number])


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Benchmark logs (QEMU serial, hardware, llfree-bench) to CSV: "
                    "one row per RESULT line, plus the ENV of its run.")
    ap.add_argument("logs", nargs="*", help="log files ('-' or none: standard input)")
    ap.add_argument("-o", "--output", help="CSV file to write (default: standard output)")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 if any line was malformed or the log reports ERROR or "
                         "a failed DONE")
    ap.add_argument("-q", "--quiet", action="store_true", help="no warnings on stderr")
    args = ap.parse_args(argv)

    warn = (lambda msg: None) if args.quiet else (lambda msg: print("logparse: " + msg, file=sys.stderr))
    col = Collector(warn)
    for name in args.logs or ["-"]:
        if name == "-":
            stream = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline="",
                          closefd=False)
            col.read("-", _lines(stream))
            continue
        try:
            with open(name, encoding="utf-8", errors="replace", newline="") as stream:
                col.read(name, _lines(stream))
        except OSError as e:
            print("logparse: %s" % e, file=sys.stderr)
            return 2
    if args.output:
        with open(args.output, "w", newline="") as out:
            col.write(out)
    else:
        col.write(sys.stdout)
    if not col.rows:
        warn("no RESULT lines found")
    if args.strict and (col.bad or col.errors):
        return 1
    return 0


def _lines(stream):
    """Lines split on \\n only: a serial log's \\r is noise, not a line end."""
    buf = ""
    for chunk in iter(lambda: stream.read(65536), ""):
        buf += chunk
        *lines, buf = buf.split("\n")
        yield from lines
    if buf:
        yield buf


if __name__ == "__main__":
    sys.exit(main())
