"""The report's "Reproducing the paper" section: the paper's numbers
(tools/paper.py, where their source is named) beside each log's: the
headline claims (allocation time against buddy at the most cores, frag page
moves and whole 2 MiB areas, metadata per GiB, recovery) and ns per
operation at the paper's core counts.

Pure Python 3 standard library.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402
from document import Heading, Para, Table  # noqa: E402
from results import (core_counts, cores_text, fmt_bytes, fmt_cut, fmt_num, frag_share, mean,  # noqa: E402
                     size_text, timing)

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
                rows.append(["%s %s, %s" % (t.bench, what, size_text(t.order)), t.label,
                             cores_text(cores), fmt_num(paper.ns_at(t, cores))] + mine)
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
                                 timing(rows, "bulk", order, "buddy", c, "get")), cores_text(c))


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
