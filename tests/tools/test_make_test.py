#!/usr/bin/python3
"""`make test`'s output: one line per suite in order, the first failure stops
the run and prints its log's tail and path; V=1 shows every suite's output.
Stand-in suites come from an extra makefile that every make reads (MAKEFILES)."""

import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SUITES = """
demo-pass-a:
\t@echo output of a
demo-fail-b:
\t@for i in $$(seq 1 60); do echo "b line $$i"; done; exit 1
demo-pass-c:
\t@echo output of c; touch $(DEMO_DIR)/c-ran
"""


class MakeTest(unittest.TestCase):
    def make(self, targets, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            mk = os.path.join(tmp, "demo.mk")
            with open(mk, "w") as f:
                f.write(SUITES)
            build = os.path.join(tmp, "build")
            env = dict(os.environ, MAKEFILES=mk, DEMO_DIR=tmp)
            env.pop("MAKEFLAGS", None)
            env.pop("MFLAGS", None)
            p = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "test",
                                "TEST_TARGETS=" + targets, "BUILD=" + build] + list(extra),
                               capture_output=True, text=True, env=env, timeout=120)
            ran_c = os.path.exists(os.path.join(tmp, "c-ran"))
            logs = sorted(os.listdir(os.path.join(build, "test-logs"))) \
                if os.path.isdir(os.path.join(build, "test-logs")) else []
            return p, ran_c, logs, build

    def test_one_line_per_suite(self):
        p, ran_c, logs, _ = self.make("demo-pass-a demo-pass-c")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[0], r"^demo-pass-a +ok +\d+ s$")
        self.assertRegex(lines[1], r"^demo-pass-c +ok +\d+ s$")
        self.assertRegex(lines[2], r"^make test: \d+ s$")
        self.assertEqual(lines[3], "make test: all suites passed (demo-pass-a demo-pass-c)")
        self.assertEqual(len(lines), 4)
        self.assertTrue(ran_c)
        self.assertEqual(logs, ["demo-pass-a.log", "demo-pass-c.log"])

    def test_first_failure_stops_with_tail_and_path(self):
        p, ran_c, logs, build = self.make("demo-pass-a demo-fail-b demo-pass-c")
        self.assertNotEqual(p.returncode, 0)
        out = p.stdout.splitlines()
        self.assertRegex(out[0], r"^demo-pass-a +ok")
        self.assertRegex(out[1], r"^demo-fail-b +FAIL")
        self.assertIn("b line 60", out)
        self.assertIn("b line 30", out)
        self.assertNotIn("b line 10", out)       # the tail: the last 40 lines
        self.assertIn("make test: demo-fail-b failed; its whole output: %s/test-logs/demo-fail-b.log"
                      % build, out)
        self.assertFalse(ran_c)
        self.assertEqual(logs, ["demo-fail-b.log", "demo-pass-a.log"])

    def test_verbose_shows_everything(self):
        p, ran_c, logs, _ = self.make("demo-pass-a demo-pass-c", "V=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("output of a", p.stdout)
        self.assertIn("output of c", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=1)
