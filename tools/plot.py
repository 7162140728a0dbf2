#!/usr/bin/python3
"""Plot benchmark CSV (from tools/logparse.py) as PNG figures like the paper's.

  /usr/bin/python3 tools/plot.py results.csv [more.csv ...] -o DIR [--logy] [--together]

Each log in the CSVs (its source column) gets its own folder DIR/<log name>/,
so that no log's figures overwrite another's (--together: all logs in DIR,
one line per allocator and source). Per benchmark and order, ns per
operation against cores with one line per allocator (mean over iterations of
the per-core average; error bars from the smallest per-core min to the
largest per-core max):
  bulk-orderN.png, rand-orderN.png   alloc (get) and free (put) side by side
  repeat-orderN.png                  alloc+free pair
and for frag (frag.png), as the paper draws it: per round, the share of free
memory that is whole 2 MiB areas (H / (free / 512), the huge_share key) and
the page moves compaction would need, one line per allocator, core count and
memory size (and tree size, when the runs differ in it).

Every allocator has one colour in every figure (ALLOC_COLORS); the title
names where the numbers come from (host, QEMU, hardware: ENV and BOOT lines).
Prints the path of every figure written.

Needs Debian's matplotlib for the system interpreter (/usr/bin/python3).
"""

import argparse
import csv
import itertools
import os
import sys
import zlib
from collections import OrderedDict, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logparse import run_source  # noqa: E402
import results  # noqa: E402
from results import alloc_key, cores_text, log_dirs, size_text  # noqa: E402

TIMED = ("bulk", "repeat", "rand")
# One colour per allocator, the same in every figure; others get a stable pick.
ALLOC_COLORS = {"llfree": "#1f77b4", "buddy": "#ff7f0e", "list": "#2ca02c"}
OTHER_COLORS = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
# Several sources in one figure (--together): one line style per source.
LINE_STYLES = ["-", "--", ":", "-."]


def alloc_color(alloc):
    if alloc in ALLOC_COLORS:
        return ALLOC_COLORS[alloc]
    return OTHER_COLORS[zlib.crc32(alloc.encode()) % len(OTHER_COLORS)]


def load(paths):
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                rows.append(row)
    return rows


def num(row, key):
    try:
        return float(row.get(key, "") or 0)
    except ValueError:
        return 0.0


def prefixed(row, prefix):
    return {k[len(prefix):]: v for k, v in row.items() if k.startswith(prefix) and v}


def row_source(row):
    """Where the row's run ran: 'QEMU (TCG), UEFI', 'host (KVM guest)', 'hardware, BIOS'."""
    return run_source(prefixed(row, "env_"), prefixed(row, "boot_"))


def env_label(row):
    cpu = row.get("env_cpu", "")
    return row_source(row) + (": " + cpu if cpu else "")


def title_source(rows):
    """The figure's subtitle: the source and CPU of its rows, or how many there are."""
    labels = sorted({env_label(r) for r in rows})
    return labels[0] if len(labels) == 1 else "%d sources" % len(labels)


def timing_series(rows, key, many_envs):
    """(alloc, env label or '') -> sorted [(cores, mean avg, min, max)] over iterations."""
    cells = defaultdict(list)
    for r in rows:
        env = env_label(r) if many_envs else ""
        cells[(r["alloc"], env, int(num(r, "cores")))].append(r)
    series = defaultdict(list)
    for (alloc, env, cores), rs in cells.items():
        mean = sum(num(r, key + "_avg") for r in rs) / len(rs)
        lo = min(num(r, key + "_min") for r in rs)
        hi = max(num(r, key + "_max") for r in rs)
        series[(alloc, env)].append((cores, mean, lo, hi))
    keys = sorted(series, key=lambda k: (alloc_key(k[0]), k[1]))
    return OrderedDict((k, sorted(series[k])) for k in keys)


def plot_timing(plt, rows, bench, order, outdir, logy):
    fig = timing_figure(plt, rows, bench, order, logy)
    path = os.path.join(outdir, "%s-order%d.png" % (bench, order))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def timing_figure(plt, rows, bench, order, logy):
    from matplotlib.ticker import FormatStrFormatter, NullLocator
    panels = [("get", "pair (alloc+free)")] if bench == "repeat" else [("get", "alloc"), ("put", "free")]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.8), squeeze=False)
    envs = sorted({env_label(r) for r in rows})
    many_envs = len(envs) > 1
    cores = sorted({int(num(r, "cores")) for r in rows})
    for ax, (key, what) in zip(axes[0], panels):
        for (alloc, env), pts in timing_series(rows, key, many_envs).items():
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            err = [[max(p[1] - p[2], 0) for p in pts], [max(p[3] - p[1], 0) for p in pts]]
            style = LINE_STYLES[envs.index(env) % len(LINE_STYLES)] if env else "-"
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, color=alloc_color(alloc),
                        linestyle=style, label=alloc + (" [%s]" % env if env else ""))
        ax.set_title("%s %s, order %d (%s)" % (bench, what, order, size_text(order)))
        ax.set_xlabel("cores" if len(cores) > 1 else cores_text(cores[0]))
        ax.set_ylabel("ns per operation")
        # Whole core counts only: the ticks are the counts that were run.
        ax.set_xticks(cores)
        ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
        ax.xaxis.set_minor_locator(NullLocator())
        if logy:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
    return finish_figure(fig, axes[0], rows)


def finish_figure(fig, axes, rows):
    """Grid, legend and the source line common to every figure."""
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(title_source(rows), fontsize="medium")
    fig.tight_layout()
    return fig


def frag_share(row):
    """Percent of free memory in whole 2 MiB areas: H / (free / 512)."""
    if row.get("huge_share"):
        return 100 * num(row, "huge_share")
    return results.frag_share(row) or 0.0


def frag_label(row, many_envs, show_tree):
    """'llfree, 8 cores, 16 GiB' (+ tree size when runs differ in it, + environment)."""
    gib = num(row, "memory") / (1 << 30)
    size = ("%.4g GiB" % gib) if gib >= 1 else ("%.4g MiB" % (gib * 1024))
    name = "%s, %s, %s" % (row["alloc"], cores_text(int(num(row, "cores"))), size)
    if show_tree and row.get("tree_areas"):
        name += ", %d-area trees" % int(num(row, "tree_areas"))
    return name + (" [%s]" % env_label(row) if many_envs else "")


def frag_series(rows, many_envs):
    """label -> sorted [(round, % of free memory in whole areas, page moves)], means over
    iterations. Rounds from 1 (logs of the older definition also report round 0)."""
    show_tree = len({r.get("tree_areas", "") for r in rows if r["alloc"] == "llfree"}) > 1
    # Runs of the same allocator and size from different logs (an A/B of two builds)
    # stay apart: their labels name the log.
    sources = defaultdict(set)
    for r in rows:
        sources[frag_label(r, many_envs, show_tree)].add(r.get("source", ""))
    cells = defaultdict(list)
    for r in rows:
        rnd = int(num(r, "round"))
        if rnd < 1:
            continue
        name = frag_label(r, many_envs, show_tree)
        if len(sources[name]) > 1:
            name += " (%s)" % os.path.basename(r.get("source", ""))
        cells[(name, rnd)].append(r)
    series = defaultdict(list)
    for (name, rnd), rs in cells.items():
        share = sum(frag_share(r) for r in rs) / len(rs)
        moves = sum(num(r, "moves") for r in rs) / len(rs)
        series[name].append((rnd, share, moves))
    return OrderedDict((n, sorted(series[n])) for n in sorted(series))


def frag_figure(plt, rows, many_envs):
    """The paper's fragmentation figure: per round, the share of free memory that is whole
    2 MiB areas, and the page moves compaction would need; one line per run, one colour per
    allocator (line styles tell runs of one allocator apart)."""
    series = frag_series(rows, many_envs)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    styles = defaultdict(lambda: itertools.cycle(LINE_STYLES))
    for name, pts in series.items():
        alloc = name.split(",")[0]
        look = dict(label=name, color=alloc_color(alloc), linestyle=next(styles[alloc]))
        rounds = [p[0] for p in pts]
        a1.plot(rounds, [p[1] for p in pts], **look)
        a2.plot(rounds, [p[2] for p in pts], **look)
    a1.set_title("frag: free memory in whole 2 MiB areas")
    a1.set_ylabel("% of free memory")
    a1.set_ylim(0, 100)
    a2.set_title("frag: page moves compaction would need")
    a2.set_ylabel("4 KiB frames to move")
    a2.set_ylim(bottom=0)
    for ax in (a1, a2):
        ax.set_xlabel("round")
        ax.set_xlim(left=0)
    return finish_figure(fig, (a1, a2), rows)


def plot_frag(plt, rows, many_envs, outdir):
    fig = frag_figure(plt, rows, many_envs)
    path = os.path.join(outdir, "frag.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_set(plt, rows, outdir, logy):
    """Every figure of one set of rows into outdir; the paths written."""
    os.makedirs(outdir, exist_ok=True)
    many_envs = len({env_label(r) for r in rows}) > 1
    written = []
    groups = defaultdict(list)
    for r in rows:
        if r["bench"] in TIMED:
            groups[(r["bench"], int(num(r, "order")))].append(r)
    for (bench, order) in sorted(groups):
        written.append(plot_timing(plt, groups[(bench, order)], bench, order, outdir, logy))
    frag = [r for r in rows if r["bench"] == "frag"]
    if frag:
        written.append(plot_frag(plt, frag, many_envs, outdir))
    return written


def load_pyplot(tool):
    """matplotlib.pyplot drawing into files, or None once `tool` has said how to install it."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("%s: matplotlib is missing for %s; install it with:\n"
              "  sudo apt-get install -y python3-matplotlib\n"
              "and run this script with /usr/bin/python3" % (tool, sys.executable), file=sys.stderr)
        return None
    return plt


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="PNG figures from benchmark CSV (tools/logparse.py output): ns per "
                    "operation vs cores per benchmark and order, and frag rounds; one "
                    "folder per log.")
    ap.add_argument("csv", nargs="+", help="CSV files from tools/logparse.py")
    ap.add_argument("-o", "--outdir", default=".",
                    help="directory for the figures: one folder per log inside (default: .)")
    ap.add_argument("--logy", action="store_true", help="logarithmic time axis")
    ap.add_argument("--together", action="store_true",
                    help="all logs in the same figures, written into OUTDIR itself")
    args = ap.parse_args(argv)

    plt = load_pyplot("plot.py")
    if plt is None:
        return 1

    try:
        rows = load(args.csv)
    except OSError as e:
        print("plot.py: %s" % e, file=sys.stderr)
        return 2
    missing = [k for k in ("bench", "alloc", "cores", "order") if rows and k not in rows[0]]
    if missing:
        print("plot.py: not a logparse CSV (no column %s)" % ", ".join(missing), file=sys.stderr)
        return 2
    if args.together:
        sets = [(args.outdir, rows)]
    else:
        by_log = OrderedDict()
        for r in rows:
            by_log.setdefault(r.get("source", "-"), []).append(r)
        names = log_dirs(list(by_log))
        sets = [(os.path.join(args.outdir, names[src]), rs) for src, rs in by_log.items()]
    written = []
    for outdir, rs in sets:
        written += plot_set(plt, rs, outdir, args.logy)
    if not written:
        print("plot.py: no results to plot", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
