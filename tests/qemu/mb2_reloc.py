#!/usr/bin/env python3
"""Copy a kernel ELF with its multiboot2 relocatable tag (type 10) changed.

Multiboot2 Specification 2.0, 3.1: the header lies 8-byte aligned in the
first 32 KiB (magic, architecture, header length, checksum), then 8-byte
aligned tags (u16 type, u16 flags, u32 size). The relocatable tag holds
u32 min_addr, max_addr, align, preference (0 none, 1 low, 2 high). The
header checksum covers only the first four fields, so the tags can change.

    mb2_reloc.py IN OUT [--min ADDR] [--max ADDR] [--prefer none|low|high]
"""

import argparse
import struct
import sys

MAGIC = 0xE85250D6
SEARCH = 32768
TAG_END, TAG_RELOCATABLE = 0, 10
PREFERENCES = {"none": 0, "low": 1, "high": 2}


def find_header(data):
    for off in range(0, min(len(data), SEARCH) - 16, 8):
        magic, arch, length, checksum = struct.unpack_from("<IIII", data, off)
        if magic == MAGIC and (magic + arch + length + checksum) & 0xFFFFFFFF == 0:
            return off, length
    raise SystemExit("mb2_reloc.py: no multiboot2 header in the first 32 KiB")


def find_tag(data, header, length, want):
    off = header + 16
    while off + 8 <= header + length:
        tag, _flags, size = struct.unpack_from("<HHI", data, off)
        if tag == want:
            return off
        if tag == TAG_END or size < 8:
            break
        off += (size + 7) & ~7
    raise SystemExit("mb2_reloc.py: the header has no tag %d" % want)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--min", type=lambda v: int(v, 0))
    ap.add_argument("--max", type=lambda v: int(v, 0))
    ap.add_argument("--prefer", choices=sorted(PREFERENCES))
    args = ap.parse_args()
    data = bytearray(open(args.input, "rb").read())
    header, length = find_header(data)
    tag = find_tag(data, header, length, TAG_RELOCATABLE)
    lo, hi, align, prefer = struct.unpack_from("<IIII", data, tag + 8)
    lo = lo if args.min is None else args.min
    hi = hi if args.max is None else args.max
    prefer = prefer if args.prefer is None else PREFERENCES[args.prefer]
    struct.pack_into("<IIII", data, tag + 8, lo, hi, align, prefer)
    open(args.output, "wb").write(data)
    print("mb2_reloc.py: %s: min=%#x max=%#x align=%#x preference=%d" % (args.output, lo, hi, align, prefer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
