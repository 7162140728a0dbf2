#!/usr/bin/python3
"""A report of benchmark logs: one self-contained HTML page and its Markdown twin.

  /usr/bin/python3 tools/report.py a.log [b.log ...] [-o DIR] [--logy]
  make report LOG="a.log b.log"

DIR (default build/report/<log names>) receives:
  report.html   one page, figures embedded (no file or network access needed)
  report.md     the same text, figures as the PNG files beside it
  results.csv   every RESULT line of the logs (tools/logparse.py)
  <log>/        each log's figures (tools/plot.py, whatever it draws)

The page has, for each log: where it ran (host, QEMU, hardware, from the
BOOT and ENV lines), its machine and firmware, the verdicts (TEST and DONE
lines, warnings and errors), a table per benchmark and order (ns per
operation, mean over iterations of the per-core average, and each
allocator's ratio to LLFree), the figures and the frag rounds; then the
"Reproducing the paper" tables, the paper's numbers (tools/paper.py, source
named there) beside each log's.

Needs Debian's matplotlib for the system interpreter (/usr/bin/python3).
"""

import argparse
import datetime
import os
import re
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logparse  # noqa: E402
import plot  # noqa: E402
from document import Figure, Heading, Para, Table, render_html, render_md  # noqa: E402
from reproduce import reproducing  # noqa: E402
from results import (Run, allocators, core_counts, cores_text, fmt_bytes, fmt_num,  # noqa: E402
                     fmt_ratio, frag_share, iterations, log_dirs, mean, read_logs, size_text,
                     timing)

TIMED = plot.TIMED
FRAG_ROUNDS = (1, 10, 35, 50, 100)   # rounds shown in the frag table, and the last one


# ---- the sections of one log ----

def summary(logs):
    rows = []
    for log in logs:
        cpus = sorted({r.get("ENV", "cpus") for r in log.runs} - {""})
        cpu = sorted({r.get("ENV", "cpu") for r in log.runs} - {""})
        rows.append([log.name, "; ".join(log.sources()), "; ".join(cpu) or "—",
                     ", ".join(cpus) or "—", log.verdict(), str(len(log.rows))])
    return [Heading(2, "Summary", "summary"),
            Table(["log", "source", "CPU", "CPUs", "verdict", "RESULT lines"], rows)]


MACHINE_FIELDS = [
    ("source", lambda r: r.source()),
    ("firmware", lambda r: logparse.FIRMWARE.get(r.get("BOOT", "firmware"), r.get("BOOT", "firmware"))),
    ("boot loader", lambda r: r.get("BOOT", "loader")),
    ("kernel command line", lambda r: r.get("BOOT", "cmdline")),
    ("kernel version", lambda r: r.get("BOOT", "version")),
    ("CPU", lambda r: r.get("ENV", "cpu")),
    ("CPUs", lambda r: r.get("ENV", "cpus")),
    ("CPUs started", lambda r: r.get("CPU", "online") and "%s of %s found" % (
        r.get("CPU", "online"), r.get("CPU", "found"))),
    ("hypervisor", lambda r: r.get("ENV", "hypervisor")),
    ("TSC", lambda r: r.get("ENV", "tsc_hz") and "%.3f GHz (%s%s)" % (
        int(r.get("ENV", "tsc_hz")) / 1e9, r.get("ENV", "tsc_source"),
        ", invariant" if r.get("ENV", "invariant_tsc") == "1" else ", not invariant")),
    ("APIC", lambda r: r.get("ENV", "apic")),
    ("usable memory", lambda r: r.get("MEM", "usable_bytes") and fmt_bytes(int(r.get("MEM", "usable_bytes")))),
    ("benchmark memory", lambda r: r.get("BENCH", "memory") and fmt_bytes(int(r.get("BENCH", "memory")))),
]


def machine(log):
    runs = log.runs or [Run()]
    header = ["", log.name] if len(runs) == 1 else [""] + ["run %d" % (i + 1) for i in range(len(runs))]
    rows = []
    for label, get in MACHINE_FIELDS:
        values = []
        for r in runs:
            try:
                values.append(get(r) or "—")
            except ValueError:
                values.append("(unreadable)")
        if any(v != "—" for v in values):
            rows.append([label] + values)
    return [Heading(3, "Machine and firmware"), Table(header, rows, "kv")]


def verdicts(log):
    rows = []
    for i, run in enumerate(log.runs, 1):
        for t in run.tests:
            rest = " ".join("%s=%s" % (k, v) for k, v in t.items()
                            if k not in ("name", "cores", "result"))
            rows.append([str(i), "TEST " + t.get("name", "?"), t.get("result", "?"),
                         t.get("cores", ""), rest])
        if run.done is not None:
            rows.append([str(i), "DONE", run.done.get("status", "?"), "", run.done.get("reason", "")])
        elif run.lines or run.tests:
            rows.append([str(i), "DONE", "missing", "", "the log ends before the verdict"])
    out = [Heading(3, "Verdicts: %s" % log.verdict()),
           Table(["run", "line", "result", "cores", "details"], rows, "wide")]
    if log.notes:
        shown = log.notes[:20]
        more = " (and %d more)" % (len(log.notes) - 20) if len(log.notes) > 20 else ""
        out.append(Para("Warnings, errors and unreadable lines%s:" % more))
        out.append(Table(["where and what"], [[n] for n in shown], "wide"))
    return out


def bench_table(rows, bench, order):
    allocs = allocators(rows)
    ops = [("get", "pair")] if bench == "repeat" else [("get", "alloc"), ("put", "free")]
    header = ["cores"]
    for _, what in ops:
        header += ["%s %s" % (a, what) for a in allocs]
        header += ["%s/llfree" % a for a in allocs if a != "llfree" and "llfree" in allocs]
    body = []
    for cores in core_counts(rows):
        line = [cores_text(cores)]
        for op, _ in ops:
            values = {a: timing(rows, bench, order, a, cores, op) for a in allocs}
            line += [fmt_num(values[a]) for a in allocs]
            line += [fmt_ratio(values[a], values["llfree"]) for a in allocs
                     if a != "llfree" and "llfree" in allocs]
        body.append(line)
    return Table(header, body)


def benchmarks(log, figures):
    timed = [r for r in log.rows if r["bench"] in TIMED]
    out = []
    if not timed:
        return out
    out.append(Heading(3, "Benchmarks"))
    out.append(Para("ns per operation: the mean over %s of the per-core average; a ratio above 1 "
                    "means LLFree is faster." % plural(iterations(timed), "iteration")
                    + tcg_note(log)))
    for bench in TIMED:
        for order in sorted({int(r["order"]) for r in timed if r["bench"] == bench}):
            rows = [r for r in timed if r["bench"] == bench and r["order"] == str(order)]
            out.append(Heading(4, "%s, order %d (%s)" % (bench, order, size_text(order))))
            out.append(bench_table(rows, bench, order))
            name = "%s-order%d.png" % (bench, order)
            out += [Figure(f, "%s order %d: ns per operation against cores" % (bench, order))
                    for f in figures if os.path.basename(f) == name]
    return out


def plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def tcg_note(log):
    if any(s.startswith("QEMU (TCG)") for s in log.sources()):
        return (" Under QEMU's software emulation (TCG) times are relative: compare the "
                "allocators of one boot, not these times with other machines'.")
    return ""


def frag(log, figures):
    rows = [r for r in log.rows if r["bench"] == "frag"]
    shown = [f for f in figures if not re.match(r"(bulk|repeat|rand)-order\d+\.png$", os.path.basename(f))]
    if not rows and not shown:
        return []
    out = [Heading(3, "Fragmentation (frag)")]
    table = []
    for alloc in allocators(rows):
        for cores in core_counts([r for r in rows if r["alloc"] == alloc]):
            mine = [r for r in rows if r["alloc"] == alloc and r["cores"] == str(cores)]
            rounds = sorted({int(r.get("round") or 0) for r in mine})
            for rnd in [x for x in rounds if x in FRAG_ROUNDS or x == rounds[-1]]:
                at = [r for r in mine if r.get("round") == str(rnd)]
                share = mean(s for s in map(frag_share, at) if s is not None)
                table.append([alloc, cores_text(cores), str(rnd),
                              fmt_num(mean(int(r.get("free_frames") or 0) for r in at)),
                              fmt_num(mean(int(r.get("free_huge") or 0) for r in at)),
                              "—" if share is None else "%.1f %%" % share,
                              fmt_num(mean(int(r.get("moves") or 0) for r in at))])
    if table:
        out.append(Para("After rounds %s and the last: free frames, entirely free 2 MiB areas, the "
                        "share of free memory they hold, and the page moves compaction would need "
                        "(means over iterations)." % ", ".join(map(str, FRAG_ROUNDS))))
        out.append(Table(["allocator", "cores", "round", "free frames", "free 2 MiB areas",
                          "in whole areas", "page moves"], table))
    out += [Figure(f, "frag figure: %s" % os.path.basename(f)) for f in shown]
    return out


def document(logs, figures):
    title = "LLFree benchmark report: " + ", ".join(log.name for log in logs)
    blocks = [Heading(1, title),
              Para("Made by tools/report.py on %s from %s." % (
                  datetime.date.today().isoformat(), ", ".join(log.path for log in logs)))]
    blocks += summary(logs)
    for log in logs:
        blocks.append(Heading(2, "Log %s" % log.name, "log-" + log.name))
        blocks.append(Para("%s: %s." % (log.path, "; ".join(log.sources()))))
        blocks += machine(log) + verdicts(log) + benchmarks(log, figures[log.name])
        blocks += frag(log, figures[log.name])
    return title, blocks + reproducing(logs)


# ---- main ----

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_outdir(paths):
    """build/report/<log names joined by +> in the checkout this script is in."""
    names = log_dirs(paths)
    joined = "+".join(names[p] for p in paths)
    return os.path.join(ROOT, "build", "report", joined if len(joined) <= 80 else joined[:80] + "+more")


def make_report(paths, outdir, logy=False, plt=None):
    """Writes the report; returns (html path, md path, logs). ImportError without matplotlib
    (load_pyplot has said how to install it)."""
    plt = plt or plot.load_pyplot("report.py")
    if plt is None:
        raise ImportError("matplotlib is missing")
    logs, col = read_logs(paths)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        col.write(f)
    figures = OrderedDict()
    for log in logs:
        figures[log.name] = plot.plot_set(plt, log.rows, os.path.join(outdir, log.name), logy) \
            if log.rows else []
    title, blocks = document(logs, figures)
    paths_out = []
    for name, render in (("report.html", render_html), ("report.md", render_md)):
        path = os.path.join(outdir, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(render(title, blocks, outdir))
        os.replace(path + ".tmp", path)
        paths_out.append(path)
    return paths_out[0], paths_out[1], logs


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="One self-contained HTML page (and a Markdown twin) from benchmark logs: "
                    "machine, verdicts, tables with allocator ratios, figures, frag rounds, "
                    "and the paper's numbers beside the logs'.")
    ap.add_argument("logs", nargs="+", help="serial logs of the kernel or logs of llfree-bench")
    ap.add_argument("-o", "--outdir",
                    help="folder to write (default: build/report/<log names> in this checkout)")
    ap.add_argument("--logy", action="store_true", help="logarithmic time axis in the figures")
    args = ap.parse_args(argv)

    for path in args.logs:
        if not os.path.isfile(path):
            print("report.py: %s: no such file" % os.path.abspath(path), file=sys.stderr)
            return 2
    plt = plot.load_pyplot("report.py")
    if plt is None:
        return 1
    outdir = args.outdir or default_outdir(args.logs)
    html_path, md_path, logs = make_report(args.logs, outdir, args.logy, plt)
    for log in logs:
        print("%s: %s, %s, %d RESULT lines" % (log.path, "; ".join(log.sources()), log.verdict(),
                                               len(log.rows)))
    print(os.path.abspath(html_path))
    print(os.path.abspath(md_path))
    if not any(log.rows for log in logs):
        print("report.py: warning: no RESULT lines in these logs (a boot without bench=?)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
