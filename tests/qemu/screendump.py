#!/usr/bin/env python3
"""Save what a QEMU guest shows as a PNG, through its monitor socket.

    screendump.py SOCKET OUT.png

SOCKET is a human monitor on a Unix socket (QEMU `-monitor
unix:SOCKET,server,nowait`); its `screendump FILE` writes a PPM, which is
converted with PIL (python3-pil). Exit 1 if QEMU is gone or no image came.
"""

import os
import socket
import sys
import time

from PIL import Image


def command(sock, line):
    sock.sendall(line.encode() + b"\n")
    data, deadline = b"", time.time() + 10
    while time.time() < deadline and not data.rstrip().endswith(b"(qemu)"):
        try:
            data += sock.recv(65536)
        except socket.timeout:
            pass
    return data


def whole_ppm(path):
    """A binary PPM (P6) whose pixel data is all there."""
    try:
        with open(path, "rb") as f:
            head = f.read(64).split(maxsplit=4)
            size = os.fstat(f.fileno()).st_size
        width, height = int(head[1]), int(head[2])
        return head[0] == b"P6" and size >= width * height * 3
    except (OSError, IndexError, ValueError):
        return False


def main():
    path, out = sys.argv[1], sys.argv[2]
    ppm = out + ".ppm"
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(0.5)
        s.connect(path)
        command(s, "")  # the greeting
        command(s, "screendump " + os.path.abspath(ppm))
        # The prompt may come before the file is complete: wait for a whole PPM.
        deadline = time.time() + 10
        while time.time() < deadline and not whole_ppm(ppm):
            time.sleep(0.1)
        s.close()
    except OSError as e:
        print("screendump.py: %s: %s" % (path, e), file=sys.stderr)
        return 1
    if not whole_ppm(ppm):
        print("screendump.py: QEMU wrote no %s" % ppm, file=sys.stderr)
        return 1
    Image.open(ppm).save(out)
    os.remove(ppm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
