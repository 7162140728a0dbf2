#!/usr/bin/python3
"""tools/deps.sh with stand-ins for dpkg-query, apt-get and id on PATH: what it
installs, that apt-get's progress reaches the terminal (stderr), and the
refresh of the package lists on a fresh machine and after a failed install."""

import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPS = os.path.join(ROOT, "tools", "deps.sh")

# dpkg-query: only "make" is installed. apt-get: logs its arguments, prints
# progress, and fails an install while $FAIL_INSTALLS says so.
FAKES = {
    "dpkg-query": '#!/bin/sh\n[ "$3" = make ] && echo "install ok installed"; exit 0\n',
    "apt-get": '#!/bin/sh\necho "apt-get $*" >>"$CALLS"\n'
               'case "$*" in *install*) echo "Unpacking $*";\n'
               '  n=$(cat "$FAILS" 2>/dev/null || echo 0); if [ "$n" -gt 0 ]; then\n'
               '    echo $((n - 1)) >"$FAILS"; echo "E: Unable to locate package" >&2; exit 100; fi;;\n'
               '*update*) echo "Reading package lists...";; esac\n',
    "id": '#!/bin/sh\necho "${FAKE_UID:-0}"\n',
}


class Deps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        bin_dir = os.path.join(self.tmp.name, "bin")
        os.makedirs(bin_dir)
        for name, text in FAKES.items():
            path = os.path.join(bin_dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        self.lists = os.path.join(self.tmp.name, "lists")
        os.makedirs(self.lists)
        self.calls = os.path.join(self.tmp.name, "calls")
        self.env = dict(os.environ, PATH=bin_dir + ":/usr/bin:/bin", CALLS=self.calls,
                        FAILS=os.path.join(self.tmp.name, "fails"), APT_LISTS=self.lists)

    def deps(self, *groups, fails=0, uid=0, lists=True):
        with open(self.env["FAILS"], "w") as f:
            f.write(str(fails))
        if lists:
            open(os.path.join(self.lists, "deb_bookworm_main_binary-amd64_Packages"), "w").close()
        env = dict(self.env, FAKE_UID=str(uid))
        p = subprocess.run(["bash", DEPS] + list(groups), capture_output=True, text=True,
                           env=env, timeout=30)
        calls = []
        if os.path.exists(self.calls):
            with open(self.calls) as f:
                calls = f.read().splitlines()
        return p, calls

    def test_installs_what_is_missing_and_shows_progress(self):
        p, calls = self.deps("build")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(calls, ["apt-get install -y -q gcc nasm binutils"])
        self.assertEqual(p.stdout, "")
        self.assertIn("Unpacking install -y -q gcc nasm binutils", p.stderr)
        self.assertIn("deps.sh: installed gcc nasm binutils", p.stderr)

    def test_fresh_machine_fetches_the_lists_first(self):
        p, calls = self.deps("plot", lists=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(calls, ["apt-get update -q", "apt-get install -y -q python3-matplotlib"])
        self.assertIn("Reading package lists...", p.stderr)

    def test_failed_install_refreshes_and_retries_once(self):
        p, calls = self.deps("plot", fails=1)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(calls, ["apt-get install -y -q python3-matplotlib", "apt-get update -q",
                                 "apt-get install -y -q python3-matplotlib"])
        self.assertIn("trying again", p.stderr)
        p, calls = self.deps("plot", fails=2)
        self.assertNotEqual(p.returncode, 0)

    def test_not_root_prints_the_command(self):
        p, calls = self.deps("capture", uid=1000)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(calls, [])
        self.assertIn("sudo apt-get install -y python3 python3-matplotlib python3-serial", p.stderr)

    def test_test_group_has_the_browser(self):
        p, calls = self.deps("test", uid=1000)
        self.assertIn("chromium", p.stderr.split())


if __name__ == "__main__":
    unittest.main(verbosity=1)
