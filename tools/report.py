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
import base64
import datetime
import html
import os
import re
import sys
from collections import OrderedDict, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logparse  # noqa: E402
import paper  # noqa: E402
import plot  # noqa: E402

TIMED = plot.TIMED
FRAG_ROUNDS = (1, 10, 35, 50, 100)   # rounds shown in the frag table, and the last one


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


def read_runs(log, stream):
    run = None
    for number, raw in enumerate(stream, 1):
        text = logparse.clean(raw)
        try:
            parsed = logparse.parse_line(text)
        except logparse.BadLine:
            continue          # logparse's pass reports it
        if parsed is None:
            continue
        tag, pairs = parsed
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
        elif tag in ("WARN", "ERROR"):
            log.notes.append("line %d: %s" % (number, text))


def read_logs(paths):
    names = plot.log_dirs(paths)
    col = logparse.Collector(lambda msg: None)
    logs = []
    for path in paths:
        log = Log(path, names[path])
        col.warn = lambda msg, log=log: log.notes.append(msg.split(": ", 1)[1])
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            col.read(path, logparse._lines(f))
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            read_runs(log, logparse._lines(f))
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
    return sorted({r["alloc"] for r in rows}, key=plot.alloc_key)


def core_counts(rows):
    return sorted({int(r["cores"]) for r in rows})


def iterations(rows):
    return len({(r["iteration"], r.get("source")) for r in rows})


# ---- the document: blocks that both renderers understand ----

class Heading:
    def __init__(self, level, text, anchor=None):
        self.level, self.text, self.anchor = level, text, anchor


class Para:
    def __init__(self, text):
        self.text = text


class Table:
    def __init__(self, header, rows, cls=""):
        self.header, self.rows, self.cls = header, rows, cls


class Figure:
    def __init__(self, path, alt):
        self.path, self.alt = path, alt


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
        line = [plot.cores_text(cores)]
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
            out.append(Heading(4, "%s, order %d (%s)" % (bench, order, plot.size_text(order))))
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


def frag_share(row):
    """Percent of free memory in entirely free 2 MiB areas, None without the keys."""
    try:
        free = int(row["free_frames"])
        return 100.0 * int(row["free_huge"]) * plot.AREA_FRAMES / free if free else 0.0
    except (KeyError, ValueError):
        return None


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
                table.append([alloc, plot.cores_text(cores), str(rnd),
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


# ---- reproducing the paper ----

def paper_timings(logs):
    rows = []
    for t in paper.TIMINGS:
        for cores in paper.CORES:
            mine = []
            for log in logs:
                value = None
                if paper.compares_with(t, log.is_host()):
                    value = timing(log.rows, t.bench, t.order, t.alloc, cores, t.op)
                mine.append(fmt_num(value))
            if any(v != "—" for v in mine):
                what = "pair" if t.bench == "repeat" else {"get": "alloc", "put": "free"}[t.op]
                rows.append(["%s %s, %s" % (t.bench, what, plot.size_text(t.order)), t.label,
                             plot.cores_text(cores), fmt_num(paper.ns_at(t, cores))] + mine)
    return rows


def most_cores_cut(log, order):
    """LLFree's bulk alloc time against buddy's at the log's largest core count."""
    rows = [r for r in log.rows if r["bench"] == "bulk" and r["order"] == str(order)]
    both = [c for c in core_counts(rows)
            if timing(rows, "bulk", order, "llfree", c, "get") is not None
            and timing(rows, "bulk", order, "buddy", c, "get") is not None]
    if not both:
        return "—"
    c = both[-1]
    return "%s (%s)" % (fmt_cut(timing(rows, "bulk", order, "llfree", c, "get"),
                                 timing(rows, "bulk", order, "buddy", c, "get")), plot.cores_text(c))


def frag_at(log, rnd, what, or_last=False):
    """({llfree, buddy} -> `what` ('moves' or 'share')) at round rnd, and the round; the
    last round instead where the log has fewer rounds and or_last is set; None: no such round."""
    rows = [r for r in log.rows if r["bench"] == "frag"]
    if not rows:
        return None
    last = max(int(r.get("round") or 0) for r in rows)
    if rnd > last:
        if not or_last:
            return None
        rnd = last
    values = {}
    for alloc in ("llfree", "buddy"):
        at = [r for r in rows if r["alloc"] == alloc and r.get("round") == str(rnd)]
        if what == "moves":
            values[alloc] = mean(int(r.get("moves") or 0) for r in at)
        else:
            values[alloc] = mean(s for s in map(frag_share, at) if s is not None)
    return values, rnd


def frag_moves_claim(log, rnd, or_last=False):
    got = frag_at(log, rnd, "moves", or_last)
    if not got or None in got[0].values():
        return "—"
    v, at = got
    return "%s (%s vs %s, round %d)" % (fmt_cut(v["llfree"], v["buddy"]), fmt_num(v["llfree"]),
                                        fmt_num(v["buddy"]), at)


def frag_share_claim(log):
    got = frag_at(log, 100, "share", True)
    if not got or None in got[0].values():
        return "—"
    v, at = got
    return "LLFree %.0f %%, buddy %.0f %% (round %d)" % (v["llfree"], v["buddy"], at)


def metadata_claim(log):
    parts = []
    for alloc in ("llfree", "buddy"):
        rows = [r for r in log.rows if r["alloc"] == alloc and r.get("metadata_bytes")
                and int(r.get("memory") or 0) > 0]
        if rows:
            r = max(rows, key=lambda r: int(r["cores"]))
            per_gib = int(r["metadata_bytes"]) * (1 << 30) / int(r["memory"])
            parts.append("%s %s" % ("LLFree" if alloc == "llfree" else alloc, fmt_bytes(per_gib)))
    return ", ".join(parts) or "—"


def recovery_claim(log):
    times = [t.get("recover_us") for r in log.runs for t in r.tests
             if t.get("name") == "recover" and t.get("recover_us")]
    return ", ".join("%s µs" % t for t in times) or "—"


def paper_claims(logs):
    f = paper.FRAG_MOVES
    share = paper.FRAG_WHOLE_AREAS_PERCENT[100]
    claims = [
        ("bulk alloc 4 KiB: LLFree's time against buddy's, most cores",
         "−%d %% (%d cores)" % (paper.ALLOC_CUT_PERCENT[0], paper.ALLOC_CUT_CORES),
         lambda log: most_cores_cut(log, 0)),
        ("bulk alloc 2 MiB: LLFree's time against buddy's, most cores",
         "−%d %% (%d cores)" % (paper.ALLOC_CUT_PERCENT[9], paper.ALLOC_CUT_CORES),
         lambda log: most_cores_cut(log, 9)),
        ("frag: page moves, LLFree against buddy, round 10",
         "%s (%.2f M vs %.2f M)" % (fmt_cut(f[10]["llfree"], f[10]["buddy"]), f[10]["llfree"] / 1e6,
                                    f[10]["buddy"] / 1e6),
         lambda log: frag_moves_claim(log, 10)),
        ("frag: page moves, LLFree against buddy, round 100 (or the last)",
         "%s (%.2f M vs %.2f M)" % (fmt_cut(f[100]["llfree"], f[100]["buddy"]), f[100]["llfree"] / 1e6,
                                     f[100]["buddy"] / 1e6),
         lambda log: frag_moves_claim(log, 100, True)),
        ("frag: free memory in whole 2 MiB areas, round 100 (or the last)",
         "LLFree %d %%, buddy %d %%" % (share["llfree"], share["buddy"]), frag_share_claim),
        ("metadata per GiB managed",
         "LLFree %s, Linux %s" % (fmt_bytes(paper.METADATA_PER_GIB["llfree"]),
                                  fmt_bytes(paper.METADATA_PER_GIB["buddy"])), metadata_claim),
        ("recovery after a crash", paper.RECOVERY_TEXT, recovery_claim),
    ]
    return [[what, theirs] + [get(log) for log in logs] for what, theirs, get in claims]


def reproducing(logs):
    names = [log.name for log in logs]
    out = [Heading(2, "Reproducing the paper", "paper"),
           Para("The paper's numbers (%s) beside each log's. The paper's frag run used %d cores and "
                "100 rounds; a log's frag figures are those of its own run. Paper rows measured "
                "inside Linux (kernel) are set beside our kernel's logs, rows measured in user "
                "space beside the host program's; our buddy allocator is a Linux-style baseline, "
                "not Linux's own." % (paper.SOURCE, paper.FRAG_CORES)),
           Heading(3, "Headline claims"),
           Table(["claim", "paper"] + names, paper_claims(logs), "wide")]
    rows = paper_timings(logs)
    out.append(Heading(3, "ns per operation at the paper's core counts"))
    if rows:
        out.append(Table(["benchmark", "paper's allocator", "cores", "paper"] + names, rows))
    else:
        out.append(Para("No log measured bulk, rand or repeat at the paper's core counts (%s)."
                        % ", ".join(map(str, paper.CORES))))
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


# ---- rendering ----

NUMERIC = re.compile(r"^[−+-]?[\d.,]+( ?(%|x|µs|KiB|MiB|GiB))?$|^—$")

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1250px; padding: 0 1em;
       color: #222; background: #fff; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; vertical-align: top; }
th { background: #f0f0f0; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.kv td:first-child { font-weight: 600; }
table.wide td { word-break: break-word; }
figure { margin: 0.5em 0 1.5em; }
figcaption { color: #666; font-size: 0.85em; }
img { max-width: 100%; height: auto; display: block; }
"""


def render_html(title, blocks, outdir):
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), CSS)]
    for b in blocks:
        if isinstance(b, Heading):
            anchor = ' id="%s"' % html.escape(b.anchor) if b.anchor else ""
            out.append("<h%d%s>%s</h%d>" % (b.level, anchor, html.escape(b.text), b.level))
        elif isinstance(b, Para):
            out.append("<p>%s</p>" % html.escape(b.text))
        elif isinstance(b, Table):
            cls = ' class="%s"' % b.cls if b.cls else ""
            out.append("<table%s><thead><tr>%s</tr></thead><tbody>" % (
                cls, "".join("<th>%s</th>" % html.escape(h) for h in b.header)))
            for row in b.rows:
                out.append("<tr>%s</tr>" % "".join(
                    '<td class="n">%s</td>' % html.escape(c) if NUMERIC.match(c) and i and b.cls != "kv" else
                    "<td>%s</td>" % html.escape(c) for i, c in enumerate(row)))
            out.append("</tbody></table>")
        elif isinstance(b, Figure):
            with open(b.path, "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append('<figure><img alt="%s" src="data:image/png;base64,%s"><figcaption>%s'
                       "</figcaption></figure>" % (html.escape(b.alt), data,
                                                   html.escape(os.path.relpath(b.path, outdir))))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def md_cell(text):
    return text.replace("|", "\\|") or " "


def render_md(title, blocks, outdir):
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("%s %s\n" % ("#" * b.level, b.text))
        elif isinstance(b, Para):
            out.append(b.text + "\n")
        elif isinstance(b, Table):
            out.append("| %s |" % " | ".join(md_cell(h) for h in b.header))
            out.append("|%s|" % "|".join("---:" if i and all(NUMERIC.match(r[i]) for r in b.rows)
                                          else "---" for i in range(len(b.header))))
            out += ["| %s |" % " | ".join(md_cell(c) for c in row) for row in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out.append("![%s](%s)\n" % (b.alt, os.path.relpath(b.path, outdir)))
    return "\n".join(out)


# ---- main ----

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_outdir(paths):
    """build/report/<log names joined by +> in the checkout this script is in."""
    names = plot.log_dirs(paths)
    joined = "+".join(names[p] for p in paths)
    return os.path.join(ROOT, "build", "report", joined if len(joined) <= 80 else joined[:80] + "+more")


def make_report(paths, outdir, logy=False):
    """Writes the report; returns (html path, md path, logs)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
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
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("report.py: matplotlib is missing for %s; install it with:\n"
              "  sudo apt-get install -y python3-matplotlib\n"
              "and run this script with /usr/bin/python3" % sys.executable, file=sys.stderr)
        return 1
    outdir = args.outdir or default_outdir(args.logs)
    html_path, md_path, logs = make_report(args.logs, outdir, args.logy)
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
