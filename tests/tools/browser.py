"""A real headless browser for tests: Debian's chromium, driven over its
DevTools pipe (--remote-debugging-pipe: JSON messages ended by a NUL byte on
file descriptors 3 and 4), with the standard library only.

  with Browser() as b:
      b.open("file:///.../report.html")      # waits for the load event
      value = b.evaluate("document.title")
      b.screenshot("page.png")               # the whole page

Every wait is bounded (TIMEOUT seconds) and says what it waited for. A
missing chromium is an error, never a skip: the caller's test fails.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

TIMEOUT = 30
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe", "--window-size=1300,900"]


class BrowserError(Exception):
    pass


def chromium_path():
    """CHROMIUM from the environment, else chromium on PATH; BrowserError if neither."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path or not os.access(path, os.X_OK):
        raise BrowserError("chromium is not installed (%s): the report's browser check needs it; "
                           "install it with tools/deps.sh test (apt-get install -y chromium)"
                           % (path or "not on PATH"))
    return path


class Browser:
    def __init__(self):
        chromium = chromium_path()
        self.profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def pipes_at_3_and_4():
            # dup first: a pipe end may already be fd 3 or 4, and dup2 onto
            # itself would keep its close-on-exec flag.
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [chromium] + FLAGS + ["--user-data-dir=" + self.profile.name, "about:blank"],
            preexec_fn=pipes_at_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self._send("Browser.close")
        except (OSError, BrowserError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_w, self.from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stderr.close()
        self.profile.cleanup()

    def _stderr_tail(self):
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").splitlines()
        return "\n".join(l for l in lines[-15:] if "dbus" not in l)

    def _send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            raise BrowserError("chromium closed its DevTools pipe (exit %s):\n%s"
                               % (self.proc.poll(), self._stderr_tail()))
        return self.next_id

    def _receive(self, what):
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            ready = select.select([self.from_r], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                raise BrowserError("no answer from chromium in %d s while waiting for %s:\n%s"
                                   % (TIMEOUT, what, self._stderr_tail()))
            data = os.read(self.from_r, 1 << 20)
            if not data:
                raise BrowserError("chromium exited (status %s) while waiting for %s:\n%s"
                                   % (self.proc.poll(), what, self._stderr_tail()))
            self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        """One DevTools command; its result (events that come first are kept)."""
        wanted = self._send(method, params, session)
        while True:
            msg = self._receive(method)
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise BrowserError("%s failed: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method):
        while True:
            for i, msg in enumerate(self.events):
                if msg.get("method") == method and msg.get("sessionId") == self.session:
                    return self.events.pop(i)
            self.events.append(self._receive("the event " + method))

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=self.session)
        result = self.call("Page.navigate", {"url": url}, self.session)
        if result.get("errorText"):
            raise BrowserError("chromium could not open %s: %s" % (url, result["errorText"]))
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The JSON value of a JavaScript expression in the page (a Promise is awaited)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, self.session)
        if "exceptionDetails" in result:
            raise BrowserError("JavaScript failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path):
        """The whole page, not only the window, as PNG."""
        size = self.call("Page.getLayoutMetrics", session=self.session)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                    "clip": clip}, self.session)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
