#!/usr/bin/python3
"""Tests of run-qemu.sh as a user meets it: paths relative to where the user
stands, --smp above what TCG can start, and a terminal left as it was after
OVMF's escape codes (a UEFI boot in a pseudo-terminal, through script(1)).

Needs build/kernel.elf and build/llfree-kernel.iso (make kernel iso).
"""

import os
import re
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN_QEMU = os.path.join(ROOT, "run-qemu.sh")
ESCAPE = re.compile(r"\x1b")


def run(args, cwd, timeout=120):
    return subprocess.run([RUN_QEMU, "--no-build"] + args, cwd=cwd, capture_output=True,
                          text=True, errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)


class RunQemu(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.cwd = self.tmp.name

    def test_smp_above_255_is_refused_with_the_reason(self):
        p = run(["--smp", "256", "--kernel"], self.cwd)
        self.assertEqual(p.returncode, 64)
        self.assertIn("--smp 256: at most 255 CPUs: QEMU's TCG has no x2APIC", p.stderr)

    def test_paths_are_the_callers(self):
        p = run(["--kernel", "--timeout", "60", "--log", "logs/rel.log", "--pmem", "p.img,16M",
                 "--", "stress=0"], self.cwd)
        log = os.path.join(self.cwd, "logs", "rel.log")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(log: %s)" % log, p.stderr)
        with open(log) as f:
            self.assertIn("DONE status=ok", f.read())
        self.assertEqual(os.path.getsize(os.path.join(self.cwd, "p.img")), 16 << 20)
        p = run(["--iso", "no.iso"], self.cwd)
        self.assertEqual(p.returncode, 64)
        self.assertIn("--iso %s: no such file" % os.path.join(self.cwd, "no.iso"), p.stderr)

    def test_default_log_path_is_absolute(self):
        p = run(["--kernel", "--timeout", "60", "--quiet", "--", "stress=0"], self.cwd)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"\(log: (.*)\)", p.stderr)
        self.assertTrue(m and m.group(1).startswith(os.path.join(ROOT, "build", "logs", "")),
                        p.stderr)
        os.unlink(m.group(1))

    def test_uefi_boot_leaves_the_terminal_as_it_was(self):
        """In a pty: OVMF's clear-screen and colour codes reach the log, not the terminal."""
        log = os.path.join(self.cwd, "uefi.log")
        shell = ("stty -g >before; %s --no-build --uefi --timeout 90 --log %s -- stress=0; "
                 "echo rc=$?; stty -g >after" % (RUN_QEMU, log))
        p = subprocess.run(["script", "-qec", shell, "/dev/null"], cwd=self.cwd, capture_output=True,
                           timeout=150, stdin=subprocess.DEVNULL)
        out = p.stdout.decode("utf-8", "replace")
        self.assertIn("rc=0", out, out[-2000:])
        self.assertIn("DONE status=ok", out)
        self.assertIsNone(ESCAPE.search(out), "escape code on the terminal: %r"
                          % out[max(0, out.find("\x1b") - 40):out.find("\x1b") + 40])
        with open(log, "rb") as f:
            self.assertIn(b"\x1b[2J", f.read())      # the log keeps what the firmware sent
        with open(os.path.join(self.cwd, "before")) as b, open(os.path.join(self.cwd, "after")) as a:
            self.assertEqual(b.read(), a.read())


class UsbIso(unittest.TestCase):
    """make usb-iso: ARGS in the image's grub.cfg, checked by the kernel before."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.iso = os.path.join(self.tmp.name, "stick.iso")

    def make(self, *args):
        env = {k: v for k, v in os.environ.items() if k not in ("ARGS", "MAKEFLAGS", "MFLAGS")}
        return subprocess.run(["make", "-s", "--no-print-directory", "-C", ROOT, "usb-iso",
                               "USB_ISO=" + self.iso] + list(args), capture_output=True,
                              text=True, timeout=120, env=env)

    def grub_cfg(self):
        out = os.path.join(self.tmp.name, "grub.cfg")
        subprocess.run(["xorriso", "-osirrox", "on", "-indev", self.iso, "-extract",
                        "/boot/grub/grub.cfg", out], capture_output=True, check=True, timeout=60)
        with open(out) as f:
            return f.read()

    def test_args_baked_into_grub_cfg(self):
        p = self.make("ARGS=stress=0 bench=bulk,rand cores=1,2 iterations=5")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("multiboot2 /boot/kernel.elf stress=0 bench=bulk,rand cores=1,2 iterations=5; then",
                      self.grub_cfg())
        self.assertIn("sudo dd if=%s of=/dev/sdX" % self.iso, p.stdout)

    def test_default_args_are_the_benchmarks(self):
        p = subprocess.run(["make", "-n", "--no-print-directory", "-C", ROOT, "usb-iso"],
                           capture_output=True, text=True, timeout=60,
                           env={k: v for k, v in os.environ.items() if k != "ARGS"})
        self.assertIn("--make-iso build/llfree-usb.iso -- bench=bulk,repeat,rand,frag\n", p.stdout)

    def test_bad_args_make_no_image(self):
        p = self.make("ARGS=bench=bulk corez=2")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ERROR msg=\"unknown option 'corez' on the kernel command line\"", p.stdout)
        self.assertIn('usb-iso: the kernel refuses ARGS="bench=bulk corez=2"', p.stdout)
        self.assertFalse(os.path.exists(self.iso))


if __name__ == "__main__":
    unittest.main(verbosity=1)
