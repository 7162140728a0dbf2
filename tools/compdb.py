#!/usr/bin/env python3
"""compile_commands.json (clangd, editors) from `make -n` output on stdin.

Every line that runs a C compiler with -c (after joining backslash
continuations) becomes one entry: directory, arguments, file, output.
Later entries for the same file (the kernel, host, sanitizer and coverage
builds of one source) are kept too: clangd takes the first.
"""
import json
import os
import shlex
import sys

COMPILERS = ("gcc", "cc", "clang")


def entries(text, directory):
    for line in text.replace("\\\n", " ").splitlines():
        try:
            args = shlex.split(line)
        except ValueError:
            continue
        if not args or os.path.basename(args[0]) not in COMPILERS or "-c" not in args:
            continue
        i = args.index("-c")
        if i + 1 >= len(args) or not args[i + 1].endswith(".c"):
            continue
        entry = {"directory": directory, "arguments": args, "file": args[i + 1]}
        if "-o" in args[:-1]:
            entry["output"] = args[args.index("-o") + 1]
        yield entry


def main():
    found = list(entries(sys.stdin.read(), os.getcwd()))
    if not found:
        sys.exit("compdb.py: no compile commands in the input")
    json.dump(found, sys.stdout, indent=1)
    sys.stdout.write("\n")
    print(f"compdb.py: {len(found)} compile commands, "
          f"{len({e['file'] for e in found})} files", file=sys.stderr)


if __name__ == "__main__":
    main()
