#!/usr/bin/python3
"""Tests of tools/logparse.py and tools/plot.py on recorded logs, and of tools/compdb.py.

  qemu-crafted.log  a made-up QEMU serial log: OVMF escape codes, \\r\\r\\n,
                    two boots, PROGRESS/ERROR lines, a RESULT cut by another
                    line, a frag RESULT missing a key, a RESULT before the
                    boot's ENV, a quoted value, a capture tool's timestamp
                    before a tag, a truncated last line
  host.log          a real llfree-bench run on the development machine (2 CPUs)
  host-16cores.log  two real runs concatenated (bulk/repeat/rand, then frag)
                    on a quiet 16-core Xeon VM
  qemu-uefi.log     a real kernel boot under QEMU/TCG with OVMF (UEFI): 2 CPUs,
                    every benchmark, 1 and 2 cores, 2 iterations, 5 frag rounds
  host-frag.log     a real frag run as benchmarks.md now defines it (llfree and
                    buddy, 2 cores, 1 GiB, 60 rounds) on the development machine

Run with /usr/bin/python3 (plot.py needs Debian's matplotlib).
"""

import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOGPARSE = os.path.join(ROOT, "tools", "logparse.py")
PLOT = os.path.join(ROOT, "tools", "plot.py")
COMPDB = os.path.join(ROOT, "tools", "compdb.py")
CRAFTED = os.path.join(HERE, "qemu-crafted.log")
HOST = os.path.join(HERE, "host.log")
HOST16 = os.path.join(HERE, "host-16cores.log")
UEFI = os.path.join(HERE, "qemu-uefi.log")
HOST_FRAG = os.path.join(HERE, "host-frag.log")
PY = "/usr/bin/python3"

TCG = ["TCGTCGTCGTCG", "QEMU Virtual CPU version 2.5+", "2445000000", "pm_timer", "0", "xapic", ""]
KVM = ["KVMKVMKVM", "Intel(R) Xeon(R) Gold 5320 CPU @ 2.20GHz", "2200000000", "cpuid_15", "1",
       "x2apic", "26"]
NO_ENV = [""] * 7
UEFI_BOOT = ["uefi", "GRUB 2.06", "bench=bulk,frag cores=1,2", "0.1"]
BIOS_BOOT = ["bios", "GRUB 2.06", "bench=repeat", "0.1"]
FRAG_NONE = [""] * 6

HEADER = ("bench,alloc,cores,order,iteration,memory,allocs,get_min,get_avg,get_max,put_min,"
          "put_avg,put_max,metadata_bytes,round,allocated,free_frames,free_huge,free_areas,moves,"
          "note,env_hypervisor,env_cpu,env_tsc_hz,env_tsc_source,env_invariant_tsc,env_apic,"
          "env_cpus,boot_firmware,boot_loader,boot_cmdline,boot_version,source,line").split(",")


def crafted_rows(source):
    return [
        ["bulk", "llfree", "1", "0", "0", "1069056000", "65250", "210", "210", "210", "180", "180",
         "180", "9344"] + FRAG_NONE + [""] + TCG + UEFI_BOOT + [source, "7"],
        ["bulk", "buddy", "1", "0", "0", "1069056000", "65250", "650", "650", "650", "700", "700",
         "700", "4186240"] + FRAG_NONE + [""] + TCG + UEFI_BOOT + [source, "9"],
        ["bulk", "buddy", "2", "0", "0", "1069056000", "65250", "900", "950", "1000", "1100",
         "1150", "1200", "4186304"] + FRAG_NONE + [""] + TCG + UEFI_BOOT + [source, "12"],
        ["frag", "llfree", "2", "0", "0", "1069056000", "13050", "300", "310", "320", "250", "260",
         "270", "9408", "1", "130500", "130500", "240", "241", "1200", ""] + TCG + UEFI_BOOT + [source, "14"],
        ["repeat", "llfree", "4", "9", "2", "2097152", "1", "90", "91", "92", "0", "0", "0", ""]
        + FRAG_NONE + [""] + NO_ENV + BIOS_BOOT + [source, "18"],
        ["repeat", "buddy", "4", "9", "2", "2097152", "1", "120", "121", "122", "0", "0", "0", ""]
        + FRAG_NONE + ['a "quoted" value'] + KVM + BIOS_BOOT + [source, "20"],
        ["rand", "buddy", "26", "0", "0", "1069056000", "10000", "500", "600", "700", "800", "900",
         "1000", ""] + FRAG_NONE + [""] + KVM + BIOS_BOOT + [source, "21"],
    ]


def run(args, stdin=None, env=None):
    return subprocess.run([PY] + args, input=stdin, capture_output=True, text=True, env=env,
                          timeout=120)


def read_csv(text):
    return list(csv.reader(io.StringIO(text)))


class LogParse(unittest.TestCase):
    def test_crafted_log_exact(self):
        p = run([LOGPARSE, CRAFTED])
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = read_csv(p.stdout)
        self.assertEqual(rows[0], HEADER)
        self.assertEqual(rows[1:], crafted_rows(CRAFTED))

    def test_bad_lines_warned_with_line_numbers(self):
        p = run([LOGPARSE, CRAFTED])
        warnings = p.stderr.splitlines()
        self.assertEqual(len(warnings), 4, p.stderr)
        self.assertIn("qemu-crafted.log:11: skipped: not key=value", warnings[0])
        self.assertIn("qemu-crafted.log:13: log reports: ERROR", warnings[1])
        self.assertIn("qemu-crafted.log:15: skipped: RESULT without moves", warnings[2])
        self.assertIn("qemu-crafted.log:22: skipped: RESULT without put_max", warnings[3])

    def test_strict_fails_and_quiet_is_quiet(self):
        p = run([LOGPARSE, "--strict", "-q", CRAFTED])
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "")
        self.assertEqual(read_csv(p.stdout)[1:], crafted_rows(CRAFTED))

    def test_stdin_and_output_file(self):
        with open(CRAFTED, newline="") as f:
            log = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "r.csv")
            p = run([LOGPARSE, "-q", "-o", out], stdin=log)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "")
            with open(out, newline="") as f:
                rows = read_csv(f.read())
        self.assertEqual(rows[1:], crafted_rows("-"))

    def test_concatenated_logs_keep_their_env(self):
        p = run([LOGPARSE, "-q", CRAFTED, HOST])
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [dict(zip(read_csv(p.stdout)[0], r)) for r in read_csv(p.stdout)[1:]]
        crafted = [r for r in rows if r["source"] == CRAFTED]
        host = [r for r in rows if r["source"] == HOST]
        self.assertEqual(len(crafted), 7)
        self.assertEqual(len(host), host_results())
        self.assertTrue(all(r["env_platform"] == "host" for r in host))
        self.assertTrue(all(r["env_platform"] == "" for r in crafted))

    def test_host_log_values(self):
        """Every RESULT line of the real logs is one row holding exactly its values."""
        for log in (HOST, HOST16):
            with self.subTest(log=log):
                self.check_real_log(log)

    def check_real_log(self, log):
        p = run([LOGPARSE, log])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        table = read_csv(p.stdout)
        rows = [dict(zip(table[0], r)) for r in table[1:]]
        expected = []
        with open(log) as f:
            for number, line in enumerate(f, 1):
                if line.startswith("ENV "):
                    env = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
                if line.startswith("RESULT "):
                    expected.append((number, dict(kv.split("=", 1) for kv in line.split()[1:]),
                                     env))
        self.assertEqual(len(rows), len(expected))
        self.assertGreater(len(rows), 0)
        for row, (number, pairs, env) in zip(rows, expected):
            self.assertEqual(row["line"], str(number))
            for k, v in pairs.items():
                self.assertEqual(row[k], v, "line %d key %s" % (number, k))
            self.assertEqual(row["env_tsc_hz"], env["tsc_hz"])
            self.assertEqual(row["env_hypervisor"], env["hypervisor"])
            self.assertEqual(row["env_cpus"], env["cpus"])
        self.assertEqual({r["bench"] for r in rows}, {"bulk", "repeat", "rand", "frag"})
        self.assertEqual({r["alloc"] for r in rows}, {"llfree", "buddy"})

    def test_boot_columns_end_at_the_next_run(self):
        """A host run (ENV, no BOOT) after a kernel boot in one stream has no boot_ values."""
        with open(CRAFTED, newline="") as f, open(HOST) as g:
            log = f.read() + "\n" + g.read()
        p = run([LOGPARSE, "-q"], stdin=log)
        rows = [dict(zip(read_csv(p.stdout)[0], r)) for r in read_csv(p.stdout)[1:]]
        host = [r for r in rows if r["env_platform"] == "host"]
        self.assertEqual(len(host), host_results())
        self.assertEqual({r["boot_firmware"] for r in host}, {""})
        self.assertEqual({r["boot_firmware"] for r in rows[:4]}, {"uefi"})

    def test_run_source(self):
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        from logparse import run_source
        self.assertEqual(run_source({"hypervisor": "KVMKVMKVM", "platform": "host"}, {}),
                         "host (KVM guest)")
        self.assertEqual(run_source({"hypervisor": "none", "platform": "host"}, {}), "host")
        self.assertEqual(run_source({"hypervisor": "TCGTCGTCGTCG"}, {"firmware": "uefi"}),
                         "QEMU (TCG), UEFI")
        self.assertEqual(run_source({"hypervisor": "none"}, {"firmware": "bios"}), "hardware, BIOS")
        self.assertEqual(run_source({"hypervisor": "Microsoft Hv"}, {"firmware": "uefi"}),
                         "Hyper-V guest, UEFI")
        self.assertEqual(run_source({}, {}), "unknown source")

    def test_help(self):
        p = run([LOGPARSE, "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("RESULT", p.stdout)


def host_results():
    with open(HOST) as f:
        return sum(1 for line in f if line.startswith("RESULT "))


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Plot(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.csv = os.path.join(self.tmp.name, "all.csv")
        p = run([LOGPARSE, "-q", "-o", self.csv, CRAFTED, HOST, HOST16])
        self.assertEqual(p.returncode, 0, p.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def test_writes_nonempty_pngs(self):
        out = os.path.join(self.tmp.name, "plots")
        p = run([PLOT, self.csv, "-o", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        # One folder per log: no log's figures overwrite another's.
        self.assertEqual(sorted(os.listdir(out)), ["host", "host-16cores", "qemu-crafted"])
        printed = sorted(os.path.relpath(l, out) for l in p.stdout.split())
        found = sorted(os.path.join(d, n) for d in os.listdir(out)
                       for n in os.listdir(os.path.join(out, d)))
        self.assertEqual(printed, found)
        for log in ("host", "host-16cores"):
            names = os.listdir(os.path.join(out, log))
            for want in ("bulk-order0.png", "bulk-order9.png", "repeat-order0.png",
                         "repeat-order9.png", "rand-order0.png", "frag.png"):
                self.assertIn(want, names)
        self.assertEqual(sorted(os.listdir(os.path.join(out, "qemu-crafted"))),
                         ["bulk-order0.png", "frag.png", "rand-order0.png", "repeat-order9.png"])
        for name in found:
            with open(os.path.join(out, name), "rb") as f:
                data = f.read()
            self.assertTrue(data.startswith(PNG_MAGIC), name)
            self.assertGreater(len(data), 5000, name)

    def test_logs_of_the_same_name_get_their_own_folders(self):
        for d in ("a", "b"):
            os.makedirs(os.path.join(self.tmp.name, d))
            shutil.copy(HOST, os.path.join(self.tmp.name, d, "run.log"))
        csv_path = os.path.join(self.tmp.name, "two.csv")
        logs = [os.path.join(self.tmp.name, d, "run.log") for d in ("a", "b")]
        self.assertEqual(run([LOGPARSE, "-q", "-o", csv_path] + logs).returncode, 0)
        out = os.path.join(self.tmp.name, "plots")
        p = run([PLOT, csv_path, "-o", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(out)), ["b-run", "run"])

    def test_together_writes_one_set(self):
        out = os.path.join(self.tmp.name, "plots")
        p = run([PLOT, self.csv, "-o", out, "--together", "--logy"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("bulk-order0.png", os.listdir(out))
        self.assertFalse(any(os.path.isdir(os.path.join(out, n)) for n in os.listdir(out)))

    def test_missing_matplotlib_says_how_to_install(self):
        fake = os.path.join(self.tmp.name, "fake")
        os.makedirs(os.path.join(fake, "matplotlib"))
        with open(os.path.join(fake, "matplotlib", "__init__.py"), "w") as f:
            f.write("raise ImportError('no matplotlib here')\n")
        env = dict(os.environ, PYTHONPATH=fake)
        p = run([PLOT, self.csv, "-o", os.path.join(self.tmp.name, "x")], env=env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("apt-get install -y python3-matplotlib", p.stderr)

    def test_not_a_logparse_csv(self):
        bad = os.path.join(self.tmp.name, "bad.csv")
        with open(bad, "w") as f:
            f.write("a,b\n1,2\n")
        p = run([PLOT, bad, "-o", self.tmp.name])
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a logparse CSV", p.stderr)


class PlotFigure(unittest.TestCase):
    """The figures themselves: colours, ticks and titles (plot.py's functions in process)."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot
        import plot
        cls.plt, cls.plot = matplotlib.pyplot, plot

    def rows(self, log):
        p = run([LOGPARSE, "-q", log])
        table = read_csv(p.stdout)
        return [dict(zip(table[0], r)) for r in table[1:]]

    def figure(self, rows, bench, order):
        rows = [r for r in rows if r["bench"] == bench and r["order"] == str(order)]
        fig = self.plot.timing_figure(self.plt, rows, bench, order, False)
        self.addCleanup(self.plt.close, fig)
        return fig

    def colours(self, ax):
        from matplotlib.colors import to_hex
        return {c.get_label(): to_hex(c.lines[0].get_color()) for c in ax.containers}

    def test_one_colour_per_allocator_in_every_figure(self):
        seen = defaultdict(set)
        for log in (UEFI, HOST, CRAFTED):
            rows = self.rows(log)
            for bench, order in {(r["bench"], int(r["order"])) for r in rows if r["bench"] != "frag"}:
                for ax in self.figure(rows, bench, order).axes:
                    for label, colour in self.colours(ax).items():
                        seen[label.split(" ")[0]].add(colour)
        self.assertEqual(dict(seen), {"llfree": {"#1f77b4"}, "buddy": {"#ff7f0e"}})

    def test_integer_core_ticks_and_source_title(self):
        fig = self.figure(self.rows(UEFI), "bulk", 0)
        for ax in fig.axes:
            self.assertEqual([t.get_text() for t in ax.get_xticklabels()], ["1", "2"])
            self.assertEqual(ax.get_xlabel(), "cores")
        self.assertEqual(fig._suptitle.get_text(), "QEMU (TCG), UEFI: QEMU TCG CPU version 2.5+")
        fig = self.figure(self.rows(HOST16), "rand", 9)
        self.assertEqual([t.get_text() for t in fig.axes[0].get_xticklabels()],
                         ["1", "2", "4", "8", "16"])
        self.assertTrue(fig._suptitle.get_text().startswith("host (KVM guest): Intel(R) Xeon(R)"))

    def test_one_core_is_singular(self):
        rows = [r for r in self.rows(UEFI) if r["cores"] == "1"]
        fig = self.figure(rows, "repeat", 9)
        self.assertEqual(fig.axes[0].get_xlabel(), "1 core")
        self.assertEqual(self.plot.cores_text(1), "1 core")
        self.assertEqual(self.plot.cores_text(2), "2 cores")

    def test_several_sources_in_one_figure_are_named(self):
        rows = self.rows(CRAFTED) + self.rows(HOST)
        fig = self.figure(rows, "bulk", 0)
        labels = set(self.colours(fig.axes[0]))
        self.assertIn("llfree [host (KVM guest): AMD EPYC]", labels)
        self.assertIn("buddy [QEMU (TCG), UEFI: QEMU Virtual CPU version 2.5+]", labels)
        self.assertEqual(fig._suptitle.get_text(), "2 sources")


class PlotFrag(unittest.TestCase):
    """plot.py's frag figure: the share of free memory in whole 2 MiB areas and the page
    moves, per round from 1, one line per allocator (tools/plot.py frag_series)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.csv = os.path.join(self.tmp.name, "frag.csv")
        p = run([LOGPARSE, "--strict", "-o", self.csv, HOST_FRAG])
        self.assertEqual(p.returncode, 0, p.stderr)
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import plot
        self.plot = plot
        self.rows = plot.load([self.csv])

    def tearDown(self):
        sys.path.pop(0)
        self.tmp.cleanup()

    def test_series_per_allocator_from_round_1(self):
        series = self.plot.frag_series(self.rows, many_envs=False)
        self.assertEqual(list(series), ["buddy, 2 cores, 1 GiB", "llfree, 2 cores, 1 GiB"])
        for name, pts in series.items():
            self.assertEqual([p[0] for p in pts], list(range(1, 61)), name)
        by_round = {(r["alloc"], int(r["round"])): r for r in self.rows}
        for (alloc, rnd), r in by_round.items():
            pt = series["%s, 2 cores, 1 GiB" % alloc][rnd - 1]
            self.assertAlmostEqual(pt[1], 100 * float(r["huge_share"]), places=6)
            self.assertEqual(pt[2], float(r["moves"]))
            want = 100.0 * int(r["free_huge"]) * 512 / int(r["free_frames"])
            self.assertLess(abs(pt[1] - want), 0.01, "huge_share is H / (free / 512)")

    def test_share_computed_when_the_log_has_no_huge_share(self):
        row = {"free_huge": "3", "free_frames": "2048"}
        self.assertEqual(self.plot.frag_share(row), 75.0)

    def test_two_logs_of_one_configuration_stay_apart(self):
        twice = os.path.join(self.tmp.name, "again.log")
        with open(HOST_FRAG) as f, open(twice, "w") as g:
            g.write(f.read())
        both = os.path.join(self.tmp.name, "both.csv")
        p = run([LOGPARSE, "-q", "-o", both, HOST_FRAG, twice])
        self.assertEqual(p.returncode, 0, p.stderr)
        names = list(self.plot.frag_series(self.plot.load([both]), many_envs=False))
        self.assertEqual(len(names), 4, names)
        self.assertIn("llfree, 2 cores, 1 GiB (again.log)", names)

    def test_writes_frag_png(self):
        out = os.path.join(self.tmp.name, "plots")
        p = run([PLOT, self.csv, "-o", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(out), ["host-frag"], "a folder per log")
        self.assertEqual(os.listdir(os.path.join(out, "host-frag")), ["frag.png"])
        with open(os.path.join(out, "host-frag", "frag.png"), "rb") as f:
            self.assertTrue(f.read().startswith(PNG_MAGIC))

    def test_one_colour_per_allocator_and_source_title(self):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.colors import to_hex
        fig = self.plot.frag_figure(plt, self.rows, False)
        self.addCleanup(plt.close, fig)
        for ax in fig.axes:
            colours = {l.get_label().split(",")[0]: to_hex(l.get_color()) for l in ax.lines}
            self.assertEqual(colours, {"llfree": "#1f77b4", "buddy": "#ff7f0e"})
            self.assertTrue(all(", 2 cores, " in l.get_label() for l in ax.lines))
        self.assertTrue(fig._suptitle.get_text().startswith("host"), fig._suptitle.get_text())


class CompDb(unittest.TestCase):
    """tools/compdb.py: `make -n` output -> compile_commands.json entries."""

    MAKE_N = (
        "mkdir -p build/host/bench\n"
        "gcc -std=c11 -O2 -Ikernel -MMD -MP -c bench/fmt.c -o build/host/bench/fmt.o\n"
        "clang --target=x86_64-elf -std=gnu11 -DKERNEL_VERSION='\"abc\"' -Ikernel \\\n"
        "  -c kernel/main.c -o build/clang/kernel/kernel/main.o\n"
        "nasm -f elf64 boot/entry.asm -o build/kernel/boot/entry.o\n"
        "gcc -pthread build/host/bench/fmt.o -o build/llfree-bench\n"
        "/usr/bin/python3 tools/logparse.py x.log -o x.csv\n")

    def test_compile_lines_only(self):
        import json
        out = run([COMPDB], stdin=self.MAKE_N, env=None)
        self.assertEqual(out.returncode, 0, out.stderr)
        entries = json.loads(out.stdout)
        self.assertEqual([e["file"] for e in entries], ["bench/fmt.c", "kernel/main.c"])
        self.assertEqual(entries[0]["output"], "build/host/bench/fmt.o")
        self.assertEqual(entries[1]["arguments"][:2], ["clang", "--target=x86_64-elf"])
        self.assertIn('-DKERNEL_VERSION="abc"', entries[1]["arguments"])
        self.assertEqual(entries[0]["directory"], os.getcwd())

    def test_no_compile_line_fails(self):
        out = run([COMPDB], stdin="nasm -f elf64 boot/entry.asm -o x.o\n", env=None)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no compile commands", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
