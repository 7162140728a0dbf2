#!/usr/bin/python3
"""Tests of tools/capture with stand-ins for a machine: a pseudo-terminal pair
for a serial adapter, a file being appended to, and commands. Each test feeds
a boot's output and checks the log, the stop at DONE, the exit code and the
messages of every bounded wait.

Run with /usr/bin/python3 (python3-serial for the pty test, matplotlib for the report).
"""

import csv
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tty
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAPTURE = os.path.join(ROOT, "tools", "capture")
LOGPARSE = os.path.join(ROOT, "tools", "logparse.py")
UEFI = os.path.join(HERE, "qemu-uefi.log")
PY = "/usr/bin/python3"
STAMP = re.compile(r"^\[ *\d+\.\d{6}\] ")
WAIT_S = 30

BOOT = ('BOOT firmware=uefi loader="GRUB" cmdline="" version=t\r\n'
        'ENV hypervisor=none cpu="Test CPU" tsc_hz=3000000000 tsc_source=cpuid_15 invariant_tsc=1 '
        'apic=x2apic cpus=4\r\n')


def default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Capture:
    """tools/capture running in the background; its output read as it comes."""

    def __init__(self, *args, cwd=None):
        # Ctrl-C as a terminal delivers it: a test started in the background by a
        # shell without job control inherits SIGINT ignored, and Python keeps an
        # ignored SIGINT ignored, so capture would never see the interrupt.
        self.proc = subprocess.Popen([PY, CAPTURE] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd,
                                     preexec_fn=default_sigint)
        self.out_lines, self.err_lines = [], []
        self.readers = [threading.Thread(target=self._read, args=(f, lines), daemon=True)
                        for f, lines in ((self.proc.stdout, self.out_lines),
                                         (self.proc.stderr, self.err_lines))]
        for r in self.readers:
            r.start()

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.append(line)

    def wait_started(self):
        deadline = time.monotonic() + WAIT_S
        while not any("capture: reading" in l for l in self.err_lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("capture did not start: %s" % "".join(self.err_lines))
            time.sleep(0.05)

    def finish(self):
        """(exit code, stdout, stderr); fails if capture does not end within WAIT_S."""
        try:
            rc = self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("capture still running after %d s: %s"
                                 % (WAIT_S, "".join(self.err_lines)))
        finally:
            for r in self.readers:
                r.join(timeout=5)
            self.proc.stdout.close()
            self.proc.stderr.close()
        return rc, "".join(self.out_lines), "".join(self.err_lines)


def run_capture(*args, timeout=WAIT_S, cwd=None):
    return subprocess.run([PY, CAPTURE] + list(args), capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def log_lines(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("# tools/capture: "), lines[0]
    return lines[1:]


def unstamped(lines):
    for line in lines:
        assert STAMP.match(line), line
    return [STAMP.sub("", line) for line in lines]


class CaptureTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.log = os.path.join(self.tmp.name, "hw.log")

    def test_serial_device_stops_at_done_and_makes_the_report(self):
        """A pty stands in for /dev/ttyUSB0; the whole UEFI boot log, in odd-sized pieces."""
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)
        tty.setraw(slave)
        with open(UEFI, "rb") as f:
            boot = f.read()
        report = os.path.join(self.tmp.name, "report")
        c = Capture("--serial", os.ttyname(slave), "--baud", "115200", "-o", self.log,
                    "--report-dir", report)
        c.wait_started()
        for i in range(0, len(boot), 997):
            os.write(master, boot[i:i + 997])
        os.write(master, b"after the verdict: not in the log\r\n")
        rc, out, err = c.finish()
        self.assertEqual(rc, 0, err)
        self.assertIn('capture: verdict: DONE status=ok reason="boot complete"', err)
        lines = unstamped(log_lines(self.log))
        want = boot.decode().replace("\r", "").splitlines()
        self.assertEqual(lines, want)
        # The terminal gets the lines without OVMF's escape codes.
        self.assertNotIn("\x1b", out)
        self.assertIn("BdsDxe: starting Boot0001", out)
        # The log tools read the stamped log as the original.
        self.assertEqual(csv_rows(self.log), csv_rows(UEFI))
        self.assertIn("capture: report: %s" % os.path.join(report, "report.html"), err)
        self.assertTrue(os.path.isfile(os.path.join(report, "hw", "bulk-order0.png")))
        with open(os.path.join(report, "results.csv")) as f:
            self.assertEqual(sum(1 for _ in f) - 1, 96)

    def test_follow_a_file_created_late_and_written_in_pieces(self):
        serial = os.path.join(self.tmp.name, "picocom.log")
        c = Capture("--follow", serial, "-o", self.log, "--no-report", "-q")
        c.wait_started()
        with open(serial, "w") as f:
            for piece in (BOOT[:30], BOOT[30:], "TEST name=stress cores=4 res", "ult=ok\n",
                          "DONE status=ok\n", "not read\n"):
                f.write(piece)
                f.flush()
                time.sleep(0.3)
        rc, out, err = c.finish()
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        self.assertEqual(unstamped(log_lines(self.log)),
                         BOOT.replace("\r", "").splitlines()
                         + ["TEST name=stress cores=4 result=ok", "DONE status=ok"])
        times = [float(STAMP.match(l).group(0)[1:-2]) for l in log_lines(self.log)]
        self.assertEqual(times, sorted(times))
        self.assertGreater(times[-1] - times[0], 0.5)

    def test_command_is_stopped_at_done(self):
        start = time.monotonic()
        p = run_capture("--command", "printf '%s'; echo DONE status=fail reason=x; sleep 60"
                        % BOOT.replace("\r\n", "\\n"), "-o", self.log, "--no-report")
        self.assertLess(time.monotonic() - start, 20)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("capture: verdict: DONE status=fail reason=\"x\"", p.stderr)
        self.assertEqual(unstamped(log_lines(self.log))[-1], "DONE status=fail reason=x")

    def test_command_that_ends_before_done(self):
        p = run_capture("--command", "echo BOOT firmware=bios; exit 3", "-o", self.log,
                        "--no-report")
        self.assertEqual(p.returncode, 2)
        self.assertIn("stopped: the command 'echo BOOT firmware=bios; exit 3' exited with "
                      "status 3 before a DONE line", p.stderr)
        self.assertEqual(unstamped(log_lines(self.log)), ["BOOT firmware=bios"])
        p = run_capture("--command", "no-such-program-here", "-o", self.log, "--no-report")
        self.assertEqual(p.returncode, 2)
        self.assertIn("status 127 (command not found?)", p.stderr)

    def test_bounded_waits(self):
        p = run_capture("--command", "echo one line; sleep 60", "--idle", "1", "-o", self.log,
                        "--no-report")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no output from the command 'echo one line; sleep 60' for 1 s (--idle)",
                      p.stderr)
        p = run_capture("--command", "while :; do echo PROGRESS step=1; sleep 0.2; done",
                        "--timeout", "1.5", "-o", self.log, "--no-report", "-q")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no DONE line after 1.5 s (--timeout)", p.stderr)
        missing = os.path.join(self.tmp.name, "never.log")
        p = run_capture("--follow", missing, "--idle", "0.5", "-o", self.log, "--no-report")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no output from %s for 0.5 s (the file does not exist yet)" % missing,
                      p.stderr)

    def test_several_boots(self):
        p = run_capture("--command", "for i in 1 2 3; do echo BOOT n=$i; echo DONE status=ok; done",
                        "--boots", "2", "-o", self.log, "--no-report", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(unstamped(log_lines(self.log)),
                         ["BOOT n=1", "DONE status=ok", "BOOT n=2", "DONE status=ok"])

    def test_no_stamps_and_a_relative_log_path(self):
        p = run_capture("--command", "echo DONE status=ok", "--no-stamps", "--no-report", "-q",
                        "-o", "rel/x.log", cwd=self.tmp.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(self.tmp.name, "rel", "x.log")
        self.assertIn("into %s" % path, p.stderr)
        self.assertEqual(log_lines(path), ["DONE status=ok"])

    def test_interrupt_keeps_the_log(self):
        c = Capture("--command", "echo BOOT firmware=bios; sleep 60", "-o", self.log)
        c.wait_started()
        deadline = time.monotonic() + WAIT_S
        while not os.path.getsize(self.log) > 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        c.proc.send_signal(signal.SIGINT)
        rc, out, err = c.finish()
        self.assertEqual(rc, 130, err)
        self.assertIn("make report LOG=%s" % self.log, err)
        self.assertEqual(unstamped(log_lines(self.log)), ["BOOT firmware=bios"])

    def test_usage_errors(self):
        for args, message in [
                ([], "give exactly one source"),
                (["--serial", "/dev/null", "--command", "true"], "(not --serial and --command)"),
                (["--serial", "/dev/ttyUSB0", "--baud", "fast"], "--baud wants a number"),
                (["--command", "true", "--idle", "0"], "--idle wants seconds above 0"),
                (["--command", "true", "--boots", "0"], "--boots wants 1 or more")]:
            p = run_capture(*args)
            self.assertEqual(p.returncode, 64, args)
            self.assertIn(message, p.stderr)
        p = run_capture("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("ipmitool", p.stdout)

    def test_serial_device_errors(self):
        missing = os.path.join(self.tmp.name, "ttyUSB9")
        p = run_capture("--serial", missing, "-o", self.log)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot open %s" % missing, p.stderr)
        self.assertIn("is the adapter plugged in?", p.stderr)
        fake = os.path.join(self.tmp.name, "fake")
        os.makedirs(os.path.join(fake, "serial"))
        with open(os.path.join(fake, "serial", "__init__.py"), "w") as f:
            f.write("raise ImportError('no serial here')\n")
        p = subprocess.run([PY, CAPTURE, "--serial", "/dev/ttyUSB0", "-o", self.log],
                           capture_output=True, text=True, timeout=WAIT_S,
                           env=dict(os.environ, PYTHONPATH=fake))
        self.assertEqual(p.returncode, 3)
        self.assertIn("sudo apt-get install -y python3-serial", p.stderr)


def csv_rows(log):
    p = subprocess.run([PY, LOGPARSE, "-q", log], capture_output=True, text=True, timeout=WAIT_S)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    return [r[:-2] for r in rows]       # all but source and line


if __name__ == "__main__":
    unittest.main(verbosity=1)
