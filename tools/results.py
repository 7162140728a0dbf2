"""Benchmark logs as the report reads them: runs (BOOT, ENV, MEM, CPU, BENCH,
TEST and DONE lines), RESULT rows (tools/logparse.py), and the numbers and
their formats that the report's tables share.

Pure Python 3 standard library.
"""

import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logparse  # noqa: E402

AREA_FRAMES = 512
ALLOC_ORDER = ("llfree", "buddy", "list")   # LLFree first, then the baselines


def log_dirs(paths):
    """path -> a folder name of its own: the file name without .log, then its
    parent folder's name or a number where two logs share a name."""
    names = {}
    for src in paths:
        base = "stdin" if src == "-" else os.path.basename(src)
        stem = base[:-4] if base.endswith(".log") and len(base) > 4 else base
        name = stem
        if name in names.values():
            parent = os.path.basename(os.path.dirname(os.path.abspath(src)))
            name = "%s-%s" % (parent, stem) if src != "-" else stem
        n = 2
        while name in names.values():
            name = "%s-%d" % (stem, n)
            n += 1
        names[src] = name
    return names


# ---- reading a log ----

class Run:
    """One boot (or host program run): its BOOT, ENV, last MEM, CPU, BENCH, TEST and DONE lines."""

    def __init__(self):
        self.lines = {}
        self.tests = []
        self.done = None

    def get(self, tag, key, default=""):
        return self.lines.get(tag, {}).get(key, default)

    def source(self):
        return logparse.run_source(self.lines.get("ENV", {}), self.lines.get("BOOT", {}))


class Log:
    def __init__(self, path, name):
        self.path, self.name = path, name
        self.runs = []
        self.rows = []
        self.notes = []      # warnings and errors the log reports, malformed lines

    def is_host(self):
        return any(r.get("ENV", "platform") == "host" for r in self.runs)

    def sources(self):
        return sorted({r.source() for r in self.runs}) or ["unknown source"]

    def verdict(self):
        dones = [r.done for r in self.runs if r.done is not None]
        if not dones:
            return "no DONE line (log cut short?)"
        failed = [d for d in dones if d.get("status") != "ok"]
        if failed:
            return "fail: " + failed[0].get("reason", "no reason given")
        return "ok" if len(dones) == 1 else "ok (%d runs)" % len(dones)


def run_reader(log):
    """A logparse.Collector.read callback: the log's lines into runs, its WARN, ERROR and failed
    DONE lines into notes (the Collector's warn adds the malformed lines)."""
    run = None

    def on_line(number, tag, pairs, text):
        nonlocal run
        # A run starts at BOOT, or at an ENV after an ENV (the host program has no BOOT).
        if run is None or tag == "BOOT" or (tag == "ENV" and "ENV" in run.lines):
            run = Run()
            log.runs.append(run)
        if tag in ("BOOT", "ENV", "MEM", "CPU", "BENCH"):
            run.lines[tag] = pairs
        elif tag == "TEST":
            run.tests.append(pairs)
        elif tag == "DONE":
            run.done = pairs
        if tag in ("WARN", "ERROR") or (tag == "DONE" and pairs.get("status") != "ok"):
            log.notes.append("line %d: %s" % (number, text))
    return on_line


def read_logs(paths):
    names = log_dirs(paths)
    col = logparse.Collector(lambda msg: None, report=lambda msg: None)  # notes: run_reader
    logs = []
    for path in paths:
        log = Log(path, names[path])
        # The Collector says "<path>:<line>: what"; a note says "line <line>: what".
        col.warn = lambda msg, log=log, path=path: log.notes.append("line " + msg[len(path) + 1:])
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            col.read(path, logparse._lines(f), run_reader(log))
        logs.append(log)
    by_source = defaultdict(list)
    for pairs, env, boot, source, number in col.rows:
        row = dict(pairs)
        row.update({"env_" + k: v for k, v in env.items()})
        row.update({"boot_" + k: v for k, v in boot.items()})
        row.update(source=source, line=str(number))
        by_source[source].append(row)
    for log in logs:
        log.rows = by_source[log.path]
    return logs, col


# ---- numbers ----

def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def fmt_num(x):
    """ns and counts as the tables show them: whole numbers as such, else one decimal."""
    if x is None:
        return "—"
    return "%d" % x if x == int(x) else "%.1f" % x


def fmt_ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "—"


def fmt_cut(new, old):
    """How much less `new` is than `old`, in percent ('−45 %'; '+12 %' when more)."""
    if new is None or not old:
        return "—"
    cut = round(100 * (1 - new / old))
    return "−%d %%" % cut if cut >= 0 else "+%d %%" % -cut


def fmt_bytes(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return "%.1f %s" % (n / (1 << shift), unit)
    return "%d bytes" % n


def timing(rows, bench, order, alloc, cores, op):
    """Mean over iterations of the per-core average `op`_avg, None if not measured."""
    return mean(int(r[op + "_avg"]) for r in rows
                if r["bench"] == bench and r["order"] == str(order) and r["alloc"] == alloc
                and r["cores"] == str(cores))


def allocators(rows):
    return sorted({r["alloc"] for r in rows}, key=alloc_key)


def core_counts(rows):
    return sorted({int(r["cores"]) for r in rows})


def iterations(rows):
    return len({(r["iteration"], r.get("source")) for r in rows})


def alloc_key(alloc):
    """Sort order of allocators: LLFree first, then the baselines, then any other."""
    return (ALLOC_ORDER.index(alloc) if alloc in ALLOC_ORDER else len(ALLOC_ORDER), alloc)


def cores_text(n):
    return "1 core" if n == 1 else "%d cores" % n


def size_text(order):
    return "%d KiB" % (4 << order) if order < 8 else "%d MiB" % (4 << order >> 10)


def frag_share(row):
    """Percent of free memory in entirely free 2 MiB areas, None without the keys."""
    try:
        free = int(row["free_frames"])
        return 100.0 * int(row["free_huge"]) * AREA_FRAMES / free if free else 0.0
    except (KeyError, ValueError):
        return None
