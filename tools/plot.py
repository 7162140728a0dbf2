#!/usr/bin/python3
"""Plot benchmark CSV (from tools/logparse.py) as PNG figures like the paper's.

  /usr/bin/python3 tools/plot.py results.csv [more.csv ...] -o DIR

Writes, per benchmark and order, ns per operation against cores with one line
per allocator (mean over iterations of the per-core average; error bars from
the smallest per-core min to the largest per-core max):
  bulk-orderN.png, rand-orderN.png   alloc (get) and free (put) side by side
  repeat-orderN.png                  alloc+free pair
and for frag (frag.png), as the paper draws it: per round, the share of free
memory that is whole 2 MiB areas (H / (free / 512), the huge_share key) and
the page moves compaction would need, one line per allocator, core count and
memory size (and tree size, when the runs differ in it).

When the CSVs hold results from several environments (host, QEMU, hardware),
each line's label names its environment.

Needs Debian's matplotlib for the system interpreter (/usr/bin/python3).
"""

import argparse
import csv
import os
import sys
from collections import OrderedDict, defaultdict

AREA_FRAMES = 512
TIMED = ("bulk", "repeat", "rand")


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


def env_label(row):
    parts = [row.get(k, "") for k in ("env_platform", "env_hypervisor", "env_cpu")]
    return " ".join(p for p in parts if p) or "unknown environment"


def series_name(row, many_envs, extra=""):
    name = row["alloc"] + extra
    return name + (" [%s]" % env_label(row) if many_envs else "")


def timing_series(rows, key, many_envs):
    """name -> sorted [(cores, mean avg, min, max)] over iterations."""
    cells = defaultdict(list)
    for r in rows:
        cells[(series_name(r, many_envs), int(num(r, "cores")))].append(r)
    series = defaultdict(list)
    for (name, cores), rs in cells.items():
        mean = sum(num(r, key + "_avg") for r in rs) / len(rs)
        lo = min(num(r, key + "_min") for r in rs)
        hi = max(num(r, key + "_max") for r in rs)
        series[name].append((cores, mean, lo, hi))
    return OrderedDict((n, sorted(series[n])) for n in sorted(series))


def plot_timing(plt, rows, bench, order, many_envs, outdir, logy):
    panels = [("get", "pair (alloc+free)")] if bench == "repeat" else [("get", "alloc"), ("put", "free")]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    size = "4 KiB" if order == 0 else "%d KiB" % (4 << order) if order < 8 else "%d MiB" % (4 << order >> 10)
    for ax, (key, what) in zip(axes[0], panels):
        for name, pts in timing_series(rows, key, many_envs).items():
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            err = [[max(p[1] - p[2], 0) for p in pts], [max(p[3] - p[1], 0) for p in pts]]
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=name)
        ax.set_title("%s %s, order %d (%s)" % (bench, what, order, size))
        ax.set_xlabel("cores")
        ax.set_ylabel("ns per operation")
        ax.set_xticks(sorted({int(num(r, "cores")) for r in rows}))
        if logy:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = os.path.join(outdir, "%s-order%d.png" % (bench, order))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def frag_share(row):
    """Percent of free memory in whole 2 MiB areas: H / (free / 512)."""
    if row.get("huge_share"):
        return 100 * num(row, "huge_share")
    free = num(row, "free_frames")
    return 100 * num(row, "free_huge") * AREA_FRAMES / free if free > 0 else 0.0


def frag_label(row, many_envs, show_tree):
    """'llfree, 8 cores, 16 GiB' (+ tree size when runs differ in it, + environment)."""
    gib = num(row, "memory") / (1 << 30)
    size = ("%.4g GiB" % gib) if gib >= 1 else ("%.4g MiB" % (gib * 1024))
    name = "%s, %d cores, %s" % (row["alloc"], int(num(row, "cores")), size)
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


def plot_frag(plt, rows, many_envs, outdir):
    """The paper's fragmentation figure: per round, the share of free memory that is whole
    2 MiB areas, and the page moves compaction would need; one line per allocator."""
    series = frag_series(rows, many_envs)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, pts in series.items():
        rounds = [p[0] for p in pts]
        a1.plot(rounds, [p[1] for p in pts], label=name)
        a2.plot(rounds, [p[2] for p in pts], label=name)
    a1.set_title("frag: free memory in whole 2 MiB areas")
    a1.set_ylabel("% of free memory")
    a1.set_ylim(0, 100)
    a2.set_title("frag: page moves compaction would need")
    a2.set_ylabel("4 KiB frames to move")
    a2.set_ylim(bottom=0)
    for ax in (a1, a2):
        ax.set_xlabel("round")
        ax.set_xlim(left=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    path = os.path.join(outdir, "frag.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="PNG figures from benchmark CSV (tools/logparse.py output): ns per "
                    "operation vs cores per benchmark and order, and frag rounds.")
    ap.add_argument("csv", nargs="+", help="CSV files from tools/logparse.py")
    ap.add_argument("-o", "--outdir", default=".", help="directory for the PNGs (default: .)")
    ap.add_argument("--logy", action="store_true", help="logarithmic time axis")
    args = ap.parse_args(argv)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot.py: matplotlib is missing for %s; install it with:\n"
              "  sudo apt-get install -y python3-matplotlib\n"
              "and run this script with /usr/bin/python3" % sys.executable, file=sys.stderr)
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
    os.makedirs(args.outdir, exist_ok=True)
    many_envs = len({env_label(r) for r in rows}) > 1
    written = []
    groups = defaultdict(list)
    for r in rows:
        if r["bench"] in TIMED:
            groups[(r["bench"], int(num(r, "order")))].append(r)
    for (bench, order) in sorted(groups):
        written.append(plot_timing(plt, groups[(bench, order)], bench, order, many_envs,
                                   args.outdir, args.logy))
    frag = [r for r in rows if r["bench"] == "frag"]
    if frag:
        written.append(plot_frag(plt, frag, many_envs, args.outdir))
    if not written:
        print("plot.py: no results to plot", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
