#!/usr/bin/env python3
"""tools/qrlog.py on the texts scanned from a real run's summary QR codes
(tests/tools/data/qr-scans.txt: zbarimg --raw on the screenshots of
tests/qemu/console.sh's summary_qr check, 2 codes, one scanned twice).

    /usr/bin/python3 tests/tools/test_qrlog.py
"""

import io
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCANS = os.path.join(ROOT, "tests/tools/data/qr-scans.txt")
QRLOG = os.path.join(ROOT, "tools/qrlog.py")
LOGPARSE = os.path.join(ROOT, "tools/logparse.py")


def qrlog(text, *args):
    r = subprocess.run([sys.executable, QRLOG, *args], input=text, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def parts(text):
    """The scanned parts, each a header line and its body, in scan order."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith("LLQ1 "):
            out.append("")
        out[-1] += line
    return out


class QrLog(unittest.TestCase):
    def setUp(self):
        with open(SCANS) as f:
            self.scans = f.read()
        self.parts = parts(self.scans)
        rc, self.log, err = qrlog(self.scans)
        self.assertEqual(rc, 0, err)

    def test_log_lines_for_the_other_tools(self):
        lines = self.log.splitlines()
        self.assertTrue(lines[0].startswith("BOOT firmware=bios "))
        self.assertTrue(lines[1].startswith("ENV hypervisor="))
        self.assertEqual(lines[-1], 'DONE status=ok reason="boot complete"')
        results = [line for line in lines if line.startswith("RESULT ")]
        self.assertEqual(len(results), 20)
        self.assertIn("RESULT bench=bulk alloc=llfree cores=1 order=0 iteration=0 memory=1060323328 "
                      "allocs=64717 get_min=512 get_avg=512 get_max=512 put_min=439 put_avg=439 "
                      "put_max=439 metadata_bytes=37376", lines)
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(self.log)
        try:
            r = subprocess.run([sys.executable, LOGPARSE, "--strict", f.name], capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 21)  # header + one row per RESULT
        self.assertIn("frag", r.stdout)

    def test_any_order_and_duplicates(self):
        rc, log, err = qrlog("".join(reversed(self.parts)) + self.parts[0])
        self.assertEqual((rc, log), (0, self.log), err)

    def test_zbarimg_prefixes_and_crlf(self):
        text = "".join("QR-Code:" + p for p in self.parts).replace("\n", "\r\n")
        rc, log, err = qrlog(text)
        self.assertEqual((rc, log), (0, self.log), err)

    def test_scanner_drops_the_trailing_newline(self):
        rc, log, err = qrlog("\n".join(p.rstrip("\n") for p in self.parts))
        self.assertEqual((rc, log), (0, self.log), err)

    def test_missing_part_named(self):
        only_first = "".join(p for p in self.parts if p.startswith("LLQ1 1/"))
        rc, log, err = qrlog(only_first)
        self.assertEqual(rc, 1)
        self.assertEqual(log, "")
        self.assertIn("missing part 2 of 2", err)
        rc, log, err = qrlog(only_first, "--partial")
        self.assertEqual(rc, 1)
        self.assertTrue(log.startswith("BOOT "))

    def test_corrupt_part_refused(self):
        second = [p for p in self.parts if p.startswith("LLQ1 2/")][0]
        bad = second.replace("R ", "R  ", 1).replace("llfree", "llfrea", 1)
        rc, _, err = qrlog("".join(p for p in self.parts if p != second) + bad)
        self.assertEqual(rc, 1)
        self.assertIn("checksum mismatch", err)
        self.assertIn("missing part 2 of 2", err)

    def test_two_runs_need_run(self):
        run = self.parts[0].split()[2]
        other = "".join(p.replace(" %s " % run, " beef ", 1) for p in self.parts)
        rc, _, err = qrlog(self.scans + other)
        self.assertEqual(rc, 2)
        self.assertIn("several runs", err)
        rc, log, err = qrlog(self.scans + other, "--run", run)
        self.assertEqual((rc, log), (0, self.log), err)

    def test_r_line_without_keys(self):
        from importlib import util
        spec = util.spec_from_file_location("qrlog", QRLOG)
        mod = util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        with self.assertRaises(ValueError):
            mod.expand("R bulk llfree 1\n")


if __name__ == "__main__":
    unittest.main(verbosity=1, testRunner=unittest.TextTestRunner(stream=sys.stdout))
