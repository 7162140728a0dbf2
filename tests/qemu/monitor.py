#!/usr/bin/python3
"""Send commands to a QEMU human monitor (HMP) on a unix socket.

    tests/qemu/monitor.py SOCKET 'mce 1 2 0xb600000000000000 0x5 0x1000 0x0' ...

Waits up to 10 s for the socket, sends each command, prints what QEMU
answers (the monitor echoes the command) and exits 0; 1 if the socket never
opened or QEMU closed it before all commands were sent.
"""
import re
import socket
import sys
import time

# The monitor's line editor redraws the command as it arrives: cursor moves.
ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def connect(path, seconds=10.0):
    deadline = time.monotonic() + seconds
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def read_until_prompt(s, seconds=5.0):
    """What QEMU says up to its next '(qemu) ' prompt."""
    s.settimeout(seconds)
    data = b""
    while not data.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    try:
        s = connect(argv[1])
        read_until_prompt(s)
        for cmd in argv[2:]:
            s.sendall(cmd.encode() + b"\n")
            answer = ESCAPES.sub("", read_until_prompt(s)).replace("(qemu) ", "")
            answer = answer.rsplit(cmd, 1)[-1].strip()  # after the echo
            print("(qemu) %s%s" % (cmd, "\n" + answer if answer else ""))
    except OSError as e:
        print("monitor.py: %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
