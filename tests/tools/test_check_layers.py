#!/usr/bin/python3
"""Tests of tools/check_layers.sh (`make test-layers`): the tree as it is
passes, and each kind of include that breaks the layers (boot -> kernel ->
bench -> llfree), planted in a copy of llfree/ and bench/, fails it with a
line naming the file, the line and the include; with --compile-lines, an
include path the file's layer may not see fails it the same way."""

import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(ROOT, "tools", "check_layers.sh")


class CheckLayers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="check-layers-")
        for tree in ("llfree", "bench"):
            shutil.copytree(os.path.join(ROOT, tree), os.path.join(self.tmp, tree))
        # A kernel header a planted include can reach by path.
        os.makedirs(os.path.join(self.tmp, "kernel", "lib"))
        shutil.copy(os.path.join(ROOT, "kernel", "lib", "string.h"),
                    os.path.join(self.tmp, "kernel", "lib", "string.h"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self):
        return subprocess.run([CHECK, self.tmp], capture_output=True, text=True, timeout=60)

    def plant(self, path, line):
        full = os.path.join(self.tmp, path)
        with open(full) as f:
            text = f.read()
        with open(full, "w") as f:
            f.write(line + "\n" + text)

    def test_tree_as_it_is_passes(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("include only their own tree", r.stdout)

    def test_real_tree_passes(self):
        r = subprocess.run([CHECK], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def assert_fails(self, path, include, reason):
        self.plant(path, include)
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{path}:1: ", r.stdout)
        self.assertIn(reason, r.stdout)
        self.assertIn("1 include(s) break the layers", r.stdout)

    def test_bench_includes_kernel_header(self):
        self.assert_fails("bench/options.c", '#include "lib/string.h"', 'includes "lib/string.h", which is in no directory')

    def test_bench_climbs_into_kernel(self):
        self.assert_fails("bench/run.h", '#include "../kernel/lib/string.h"', "= kernel/lib/string.h: outside")

    def test_bench_reaches_llfree_internals(self):
        self.assert_fails("bench/alloc.h", '#include "../llfree/src/lower.h"', "= llfree/src/lower.h: outside")

    def test_llfree_includes_bench(self):
        self.assert_fails("llfree/src/tree.c", '#include "../../bench/fmt.h"', "= bench/fmt.h: outside llfree/")

    def test_libc_header_outside_host_dirs(self):
        self.assert_fails("llfree/src/area.c", "#include <stdio.h>", "<stdio.h>: not a C freestanding header")
        self.plant("bench/fmt.c", "#include <string.h>")
        self.assertIn("bench/fmt.c:1: includes <string.h>", self.check().stdout)

    def test_macro_include_is_refused(self):
        self.assert_fails("bench/list.c", "#include HEADER", "an #include this check cannot read")

    def test_host_dirs_may_use_libc(self):
        self.plant("bench/host/table.c", "#include <sys/mman.h>")
        self.plant("llfree/platform/host/log.c", "#include <unistd.h>")
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_host_dirs_obey_the_tree_for_quoted_includes(self):
        self.assert_fails("bench/host/env.c", '#include "../../kernel/lib/string.h"', "outside bench/")


class CheckCompileLines(unittest.TestCase):
    """--compile-lines: the -I directories of compile lines of llfree/ and bench/."""

    GOOD = [
        "gcc -O2 -Illfree/include -Illfree/platform/host -MMD -c llfree/src/upper.c -o build/host/llfree/src/upper.o",
        "gcc -O2 -DLLFREE_TEST_HOOKS -Illfree/src -Illfree/include -c llfree/src/lower.c -o x.o",
        "gcc -ffreestanding -Illfree/include -Ikernel/platform -c llfree/src/tree.c -o k.o",
        "gcc -isystem /usr/lib/gcc/include -Ibench -Illfree/include -c bench/options.c -o b.o",
        "gcc -Illfree/include -Illfree/platform/host -Ikernel -Ibench -c tests/llfree/stress.c -o t.o",
        "ar rcs build/host/libllfree.a build/host/llfree/src/upper.o",
    ]

    def run_lines(self, lines):
        return subprocess.run([CHECK, "--compile-lines"], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, timeout=60)

    def test_layered_paths_pass(self):
        r = self.run_lines(self.GOOD)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("4 compile lines of llfree/ and bench/", r.stdout)

    def assert_refused(self, line, reason):
        r = self.run_lines(self.GOOD + [line])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"compile line {len(self.GOOD) + 1}: {reason}", r.stdout)
        self.assertIn("1 include path(s)", r.stdout)

    def test_llfree_with_the_kernel_path(self):
        self.assert_refused("gcc -Illfree/include -Ikernel -c llfree/src/area.c -o a.o",
                            "llfree/src/area.c with -Ikernel: outside what llfree/ may see")

    def test_llfree_with_the_bench_path(self):
        self.assert_refused("clang -Illfree/include -Ibench -c llfree/platform/host/log.c -o l.o",
                            "llfree/platform/host/log.c with -Ibench: outside")

    def test_bench_with_the_kernel_path(self):
        self.assert_refused("gcc -Illfree/include -Ikernel -Ibench -c bench/fmt.c -o f.o",
                            "bench/fmt.c with -Ikernel: outside what bench/ may see")

    def test_bench_with_llfree_internals(self):
        self.assert_refused("gcc -Ibench -Illfree/include -Illfree/src -c bench/alloc.c -o a.o",
                            "bench/alloc.c with -Illfree/src: outside")

    def test_no_lines_is_a_failure(self):
        r = self.run_lines(["gcc -c tests/llfree/stress.c -o s.o"])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no compile line of llfree/ or bench/", r.stdout)


if __name__ == "__main__":
    unittest.main()
