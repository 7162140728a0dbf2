#!/usr/bin/env python3
"""Check and summarize benchmark results from a CSV of tools/logparse.py.

  bench_results.py check CSV --bench=bulk,frag --alloc=llfree,buddy \\
      --orders=0,9 --cores=1,2 --iterations=1 --rounds=2
      Exit 1 unless every expected RESULT row is there exactly once, with a
      value for every key: one per bench x alloc x order x cores x iteration
      (frag: order 0 only, one row per round 1..rounds, the last with huge_got).
      Says what is missing.

  bench_results.py frag CSV... [--rounds=1,10,35,50,100]
      frag per round for people: mean over iterations of the share of free
      memory in whole 2 MiB areas (H / (free / 512)) and of the page moves,
      per allocator, and LLFree's moves as a share of buddy's (same cores and
      memory). The paper: 0.36 at round 10, 0.04 at round 100.

  bench_results.py table CSV...
      buddy/LLFree table for people: mean get_avg and put_avg (ns per op)
      over the iterations, and the ratio buddy/llfree (> 1: LLFree faster).
      Under QEMU (TCG) only the ratios mean something, never the times.

Pure Python 3 standard library.
"""

import argparse
import csv
import sys
from collections import defaultdict

KEYS = ["bench", "alloc", "cores", "order", "iteration", "memory", "allocs",
        "get_min", "get_avg", "get_max", "put_min", "put_avg", "put_max", "metadata_bytes"]
FRAG_KEYS = ["round", "rounds", "fill_percent", "churn_percent", "seed", "allocated",
             "free_frames", "free_huge", "free_areas", "moves"]
# Not integers: checked for presence (and huge_got only on the last round).
FRAG_TEXT_KEYS = ["kind", "huge_share"]


def load(paths):
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            rows.extend(csv.DictReader(f))
    return rows


def ints(text):
    return [int(x) for x in text.split(",")]


def expected(args):
    """Every (bench, alloc, order, cores, iteration, round) the options ask for."""
    for bench in args.bench.split(","):
        orders = [0] if bench == "frag" else ints(args.orders)
        rounds = range(1, args.rounds + 1) if bench == "frag" else [None]
        for alloc in args.alloc.split(","):
            for order in orders:
                for cores in ints(args.cores):
                    for it in range(args.iterations):
                        for rnd in rounds:
                            yield (bench, alloc, order, cores, it, rnd)


def key_of(row):
    rnd = int(row["round"]) if row["bench"] == "frag" else None
    return (row["bench"], row["alloc"], int(row["order"]), int(row["cores"]),
            int(row["iteration"]), rnd)


def check(args):
    rows = load([args.csv])
    problems = []
    seen = defaultdict(int)
    for i, row in enumerate(rows, 1):
        frag = row.get("bench") == "frag"
        keys = KEYS + (FRAG_KEYS if frag else [])
        present = keys + (FRAG_TEXT_KEYS if frag else [])
        # huge_got: after the last round, for allocators with 2 MiB frames
        if frag and row.get("round") == row.get("rounds") and row.get("alloc") != "list":
            keys = keys + ["huge_got"]
            present = present + ["huge_got"]
        empty = [k for k in present if not (row.get(k) or "").strip()]
        if empty:
            problems.append("row %d (log line %s): no value for %s" %
                            (i, row.get("line", "?"), ", ".join(empty)))
            continue
        try:
            for k in keys[2:]:
                int(row[k])
            seen[key_of(row)] += 1
        except ValueError as e:
            problems.append("row %d (log line %s): %s" % (i, row.get("line", "?"), e))
    want = list(expected(args))
    for k in want:
        if seen[k] != 1:
            problems.append("%s: %d RESULT rows, expected 1" % (describe(k), seen[k]))
    for k in seen:
        if k not in set(want):
            problems.append("%s: not asked for" % describe(k))
    for p in problems:
        print("bench_results: " + p, file=sys.stderr)
    print("bench_results: %d RESULT rows, %d expected, %d problems" %
          (len(rows), len(want), len(problems)))
    return 1 if problems else 0


def describe(k):
    bench, alloc, order, cores, it, rnd = k
    text = "bench=%s alloc=%s order=%d cores=%d iteration=%d" % (bench, alloc, order, cores, it)
    return text + ("" if rnd is None else " round=%d" % rnd)


def table(args):
    sums = defaultdict(lambda: [0.0, 0.0, 0])
    cells = []
    for row in load(args.csv):
        if row["bench"] == "frag":
            continue
        cell = (row["bench"], int(row["order"]), int(row["cores"]))
        if cell not in cells:
            cells.append(cell)
        s = sums[cell + (row["alloc"],)]
        s[0] += float(row["get_avg"])
        s[1] += float(row["put_avg"])
        s[2] += 1

    def mean(cell, alloc, i):
        s = sums.get(cell + (alloc,))
        return s[i] / s[2] if s and s[2] else None

    def ratio(b, l):
        return "%7.2f" % (b / l) if b is not None and l else "%7s" % "-"

    def ns(v):
        return "%9.0f" % v if v is not None else "%9s" % "-"

    print("buddy/llfree: mean ns per op over iterations; ratio > 1: LLFree faster "
          "(repeat: alloc+free pair)")
    print("%-7s %5s %5s | %9s %9s %7s | %9s %9s %7s" %
          ("bench", "order", "cores", "llfree", "buddy", "ratio", "llfree", "buddy", "ratio"))
    print("%-7s %5s %5s | %27s | %27s" % ("", "", "", "get", "put"))
    for cell in cells:
        lg, bg = mean(cell, "llfree", 0), mean(cell, "buddy", 0)
        lp, bp = mean(cell, "llfree", 1), mean(cell, "buddy", 1)
        line = "%-7s %5d %5d | %s %s %s" % (cell + (ns(lg), ns(bg), ratio(bg, lg)))
        if cell[0] == "repeat":
            line += " | %9s %9s %7s" % ("-", "-", "-")
        else:
            line += " | %s %s %s" % (ns(lp), ns(bp), ratio(bp, lp))
        print(line)
    return 0


def frag_table(args):
    want = ints(args.rounds)
    sums = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for row in load(args.csv):
        if row["bench"] != "frag" or int(row["round"]) not in want:
            continue
        run = (int(row["cores"]), int(row["memory"]))
        s = sums[(run, (row["alloc"], row.get("tree_areas", "")), int(row["round"]))]
        free = float(row["free_frames"])
        s[0] += 100 * float(row["free_huge"]) * 512 / free if free else 0.0
        s[1] += float(row["moves"])
        s[2] += float(row["free_huge"])
        s[3] += 1
    runs = sorted({k[0] for k in sums})
    allocs = sorted({k[1] for k in sums})
    print("frag: mean over iterations; share = free memory in whole 2 MiB areas; "
          "moves/buddy = moves / buddy's moves")
    print("%5s %7s %5s %-7s %5s | %9s %7s %10s %11s" %
          ("cores", "GiB", "tree", "alloc", "round", "H", "share", "moves", "moves/buddy"))
    for run in runs:
        for alloc in allocs:
            for rnd in want:
                s = sums.get((run, alloc, rnd))
                if not s:
                    continue
                b = sums.get((run, ("buddy", ""), rnd))
                ratio = "%11.4f" % (s[1] / b[1]) if b and b[1] else "%11s" % "-"
                print("%5d %7.2f %5s %-7s %5d | %9.0f %6.1f%% %10.0f %s" %
                      (run[0], run[1] / (1 << 30), alloc[1] or "-", alloc[0], rnd, s[2] / s[3],
                       s[0] / s[3], s[1] / s[3], ratio))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="every expected RESULT row is there, with every key")
    c.add_argument("csv")
    c.add_argument("--bench", required=True)
    c.add_argument("--alloc", required=True)
    c.add_argument("--orders", required=True)
    c.add_argument("--cores", required=True)
    c.add_argument("--iterations", type=int, required=True)
    c.add_argument("--rounds", type=int, required=True)
    t = sub.add_parser("table", help="buddy/LLFree ratio table")
    t.add_argument("csv", nargs="+")
    f = sub.add_parser("frag", help="frag per round: whole 2 MiB areas, page moves, vs buddy")
    f.add_argument("csv", nargs="+")
    f.add_argument("--rounds", default="1,10,35,50,100")
    args = ap.parse_args(argv)
    return {"check": check, "table": table, "frag": frag_table}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
