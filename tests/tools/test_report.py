#!/usr/bin/python3
"""Tests of tools/report.py: the page is opened in a real headless browser
(Debian's chromium, tests/tools/browser.py); it must render, every image must
load, and its tables must hold the numbers of the logs, computed here again
from the RESULT lines. A missing chromium fails these tests.

The page's screenshot is kept at build/test-tools/report-page.png.
Run with /usr/bin/python3 (the report's figures need Debian's matplotlib).
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import browser  # noqa: E402
import paper  # noqa: E402

REPORT = os.path.join(ROOT, "tools", "report.py")
UEFI = os.path.join(HERE, "qemu-uefi.log")
HOST16 = os.path.join(HERE, "host-16cores.log")
CRAFTED = os.path.join(HERE, "qemu-crafted.log")
LOGS = {"qemu-uefi": UEFI, "host-16cores": HOST16}
SCREENSHOT = os.path.join(ROOT, "build", "test-tools", "report-page.png")
PY = "/usr/bin/python3"

# Every table with the headings above it, every image, every resource fetched.
PAGE_FACTS = r"""(() => {
  const tables = [], h = {};
  for (const el of document.querySelectorAll('h1, h2, h3, h4, table')) {
    if (el.tagName !== 'TABLE') {
      h[el.tagName] = el.textContent;
      if (el.tagName === 'H2') { h.H3 = h.H4 = ''; }
      if (el.tagName === 'H3') { h.H4 = ''; }
      continue;
    }
    const text = row => [...row.cells].map(c => c.textContent);
    tables.push({h2: h.H2 || '', h3: h.H3 || '', h4: h.H4 || '', head: text(el.tHead.rows[0]),
                 rows: [...el.tBodies[0].rows].map(text)});
  }
  return {title: document.title, h1: document.querySelector('h1').textContent, tables,
          images: [...document.images].map(i => ({w: i.naturalWidth, h: i.naturalHeight,
                                                   complete: i.complete, src: i.src.slice(0, 22)})),
          resources: performance.getEntriesByType('resource').map(e => e.name),
          width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight};
})()"""


def fmt(x):
    return "%d" % x if x == int(x) else "%.1f" % x


def log_results(path):
    """(bench, order, alloc, cores) -> {get: [...], put: [...]} straight from the log's RESULT lines."""
    cells = defaultdict(lambda: defaultdict(list))
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip().replace("\r", "")
            if not line.startswith("RESULT ") or "put_max=" not in line:
                continue
            kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
            key = (kv["bench"], int(kv["order"]), kv["alloc"], int(kv["cores"]))
            cells[key]["get"].append(int(kv["get_avg"]))
            cells[key]["put"].append(int(kv["put_avg"]))
    return cells


def mean(xs):
    return sum(xs) / len(xs)


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "report")
        p = subprocess.run([PY, REPORT, "-o", cls.out, UEFI, HOST16], capture_output=True,
                           text=True, timeout=180)
        if p.returncode != 0:
            raise AssertionError("report.py failed: %s" % p.stderr)
        cls.stdout = p.stdout
        cls.html = os.path.join(cls.out, "report.html")
        os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
        # No skip: without chromium BrowserError fails every test of this class.
        with browser.Browser() as b:
            b.open("file://" + cls.html)
            cls.page = b.evaluate(PAGE_FACTS)
            b.screenshot(SCREENSHOT)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tables(self, h2=None, h3=None, h4=None):
        return [t for t in self.page["tables"] if (h2 is None or t["h2"] == h2)
                and (h3 is None or t["h3"].startswith(h3)) and (h4 is None or t["h4"] == h4)]

    def test_renders(self):
        self.assertEqual(self.page["title"], "LLFree benchmark report: qemu-uefi, host-16cores")
        self.assertEqual(self.page["h1"], self.page["title"])
        sections = {t["h2"] for t in self.page["tables"]}
        self.assertEqual(sections, {"Summary", "Log qemu-uefi", "Log host-16cores",
                                    "Reproducing the paper"})
        with open(SCREENSHOT, "rb") as f:
            shot = f.read()
        self.assertTrue(shot.startswith(b"\x89PNG\r\n\x1a\n"))
        width, height = int.from_bytes(shot[16:20], "big"), int.from_bytes(shot[20:24], "big")
        self.assertEqual((width, height), (self.page["width"], self.page["height"]))
        self.assertGreater(height, 5000)

    def test_every_image_loads_from_the_page_itself(self):
        pngs = [os.path.join(d, n) for d, _, names in os.walk(self.out) for n in names
                if n.endswith(".png")]
        self.assertGreater(len(pngs), 10)
        self.assertEqual(len(self.page["images"]), len(pngs))
        for img in self.page["images"]:
            self.assertTrue(img["complete"])
            self.assertGreater(img["w"], 0)
            self.assertGreater(img["h"], 0)
            self.assertEqual(img["src"], "data:image/png;base64,")
        self.assertEqual(self.page["resources"], [])
        with open(self.html) as f:
            text = f.read()
        for outside in ("http://", "https://", "<link", "<script", "url(", "file:"):
            self.assertNotIn(outside, text)

    def test_benchmark_tables_hold_the_logs_numbers(self):
        for name, path in LOGS.items():
            results = log_results(path)
            checked = 0
            for (bench, order) in sorted({(k[0], k[1]) for k in results if k[0] != "frag"}):
                size = "4 KiB" if order == 0 else "2 MiB"
                [table] = self.tables("Log " + name, h4="%s, order %d (%s)" % (bench, order, size))
                ops = ["get"] if bench == "repeat" else ["get", "put"]
                allocs = ["llfree", "buddy"]
                cores = sorted({k[3] for k in results if k[:3] == (bench, order, "llfree")})
                self.assertEqual([r[0] for r in table["rows"]],
                                 ["1 core" if c == 1 else "%d cores" % c for c in cores])
                for row, c in zip(table["rows"], cores):
                    want = []
                    for op in ops:
                        v = {a: mean(results[(bench, order, a, c)][op]) for a in allocs}
                        want += [fmt(v["llfree"]), fmt(v["buddy"]), "%.2f" % (v["buddy"] / v["llfree"])]
                    self.assertEqual(row[1:], want, "%s %s order %d, %d cores" % (name, bench, order, c))
                    checked += 1
            self.assertGreater(checked, 10, name)

    def test_summary_and_machine(self):
        [summary] = self.tables("Summary")
        counts = {}
        for name, path in LOGS.items():
            with open(path, errors="replace") as f:
                counts[name] = sum(1 for line in f if line.startswith("RESULT "))
        self.assertEqual([r[0] for r in summary["rows"]], ["qemu-uefi", "host-16cores"])
        self.assertEqual(summary["rows"][0][1:], ["QEMU (TCG), UEFI", "QEMU TCG CPU version 2.5+", "2",
                                                  "ok", str(counts["qemu-uefi"])])
        self.assertEqual(summary["rows"][1][1:], ["host (KVM guest)", "Intel(R) Xeon(R) Processor",
                                                  "16", "ok (2 runs)", str(counts["host-16cores"])])
        [uefi] = self.tables("Log qemu-uefi", h3="Machine")
        facts = {r[0]: r[1] for r in uefi["rows"]}
        self.assertEqual(facts["firmware"], "UEFI")
        self.assertEqual(facts["kernel command line"],
                         "bench=bulk,repeat,rand,frag cores=1,2 iterations=2 rounds=5")
        self.assertEqual(facts["TSC"], "2.601 GHz (pmtimer, not invariant)")
        [verdicts] = self.tables("Log qemu-uefi", h3="Verdicts")
        self.assertEqual([r[1:3] for r in verdicts["rows"]],
                         [["TEST stress", "ok"], ["TEST bench", "ok"], ["DONE", "ok"]])

    def test_frag_table_and_figure(self):
        [table] = self.tables("Log qemu-uefi", h3="Fragmentation")
        moves = defaultdict(list)
        with open(UEFI, errors="replace") as f:
            for line in f:
                if line.startswith("RESULT bench=frag"):
                    kv = dict(p.split("=", 1) for p in line.split()[1:])
                    moves[(kv["alloc"], kv["cores"], kv["round"])].append(int(kv["moves"]))
        rows = {(r[0], r[1].split()[0], r[2]): r[6] for r in table["rows"]}
        self.assertEqual(set(rows), {(a, c, r) for a in ("llfree", "buddy") for c in ("1", "2")
                                     for r in ("1", "5")})
        for key, value in rows.items():
            self.assertEqual(value, fmt(mean(moves[key])), key)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "qemu-uefi", "frag.png")))

    def test_paper_table_sets_each_paper_number_beside_the_logs(self):
        [table] = self.tables("Reproducing the paper", h3="ns per operation")
        self.assertEqual(table["head"], ["benchmark", "paper's allocator", "cores", "paper",
                                         "qemu-uefi", "host-16cores"])
        results = {name: log_results(path) for name, path in LOGS.items()}
        seen = 0
        for t in paper.TIMINGS:
            what = "pair" if t.bench == "repeat" else {"get": "alloc", "put": "free"}[t.op]
            label = "%s %s, %s" % (t.bench, what, "4 KiB" if t.order == 0 else "2 MiB")
            for c, ns in zip(paper.CORES, t.ns):
                rows = [r for r in table["rows"] if r[:3] == [label, t.label,
                                                              "1 core" if c == 1 else "%d cores" % c]]
                want = []
                for name in LOGS:
                    cell = results[name].get((t.bench, t.order, t.alloc, c))
                    host = name.startswith("host")
                    usable = cell and (t.alloc != "llfree" or (t.where == "user") == host)
                    want.append(fmt(mean(cell[t.op])) if usable else "—")
                if all(w == "—" for w in want):
                    self.assertEqual(rows, [])
                    continue
                self.assertEqual(rows, [[label, t.label, rows[0][2], str(ns)] + want])
                seen += 1
        self.assertGreater(seen, 20)
        [claims] = self.tables("Reproducing the paper", h3="Headline claims")
        first = claims["rows"][0]
        self.assertEqual(first[1], "−88 % (26 cores)")
        r = results["host-16cores"]
        cut = round(100 * (1 - mean(r[("bulk", 0, "llfree", 16)]["get"]) /
                           mean(r[("bulk", 0, "buddy", 16)]["get"])))
        self.assertEqual(first[3], "−%d %% (16 cores)" % cut)

    def test_markdown_twin_has_the_same_tables_and_figures(self):
        with open(os.path.join(self.out, "report.md")) as f:
            md = f.read()
        md_rows = []
        for line in md.splitlines():
            if line.startswith("| ") and not re.match(r"^\|[-:|]+\|$", line):
                md_rows.append([c.strip().replace("\\|", "|") for c in line[2:-2].split(" | ")])
        page_rows = []
        for t in self.page["tables"]:
            page_rows.append([h if h else "" for h in t["head"]])
            page_rows += t["rows"]
        self.assertEqual(md_rows, page_rows)
        links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", md)
        self.assertEqual(len(links), len(self.page["images"]))
        for link in links:
            self.assertTrue(os.path.isfile(os.path.join(self.out, link)), link)

    def test_prints_where_it_wrote(self):
        self.assertIn(os.path.abspath(self.html), self.stdout.splitlines())
        self.assertIn("qemu-uefi.log: QEMU (TCG), UEFI, ok, 96 RESULT lines", self.stdout)


class ReportUsage(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_report(self, *args):
        return subprocess.run([PY, REPORT] + list(args), capture_output=True, text=True,
                              timeout=120, cwd=self.tmp.name)

    def test_missing_log_named_with_its_absolute_path(self):
        p = self.run_report("nope.log")
        self.assertEqual(p.returncode, 2)
        self.assertIn(os.path.join(self.tmp.name, "nope.log") + ": no such file", p.stderr)

    def test_failed_boot_without_results(self):
        log = os.path.join(self.tmp.name, "fail.log")
        with open(log, "w") as f:
            f.write('BOOT firmware=bios loader="GRUB 2.06" cmdline="bench=nope" version=x\n'
                    'ERROR msg="invalid command-line value"\n'
                    'DONE status=fail reason="bad kernel command line"\n')
        out = os.path.join(self.tmp.name, "r")
        p = self.run_report(log, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("no RESULT lines", p.stderr)
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertIn("| fail | unknown source, BIOS |", md.replace("fail.log", "fail"))
        self.assertIn("fail: bad kernel command line", md)
        self.assertIn('line 2: ERROR msg="invalid command-line value"', md)
        self.assertEqual(md.count('ERROR msg="invalid command-line value"'), 1, "one note per line")
        self.assertIn('line 3: DONE status=fail reason="bad kernel command line"', md)

    def make(self, *args):
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "LOG")}
        return subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT] + list(args),
                              capture_output=True, text=True, timeout=120, env=env)

    def test_make_report(self):
        out = os.path.join(self.tmp.name, "m")
        p = self.make("report", "LOG=" + CRAFTED, "REPORT_DIR=" + out, "LOGY=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "report.html")))
        self.assertTrue(os.path.isfile(os.path.join(out, "qemu-crafted", "frag.png")))

    def test_make_report_without_log_says_how(self):
        p = self.make("report")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('usage: make report LOG="a.log b.log"', p.stdout + p.stderr)

    def test_missing_chromium_is_a_failure_not_a_skip(self):
        os.environ["CHROMIUM"] = os.path.join(self.tmp.name, "no-chromium")
        try:
            with self.assertRaises(browser.BrowserError) as e:
                browser.Browser()
        finally:
            del os.environ["CHROMIUM"]
        self.assertIn("chromium is not installed", str(e.exception))


if __name__ == "__main__":
    unittest.main(verbosity=1)
