"""A small client of Chromium's DevTools protocol, enough to check a page in a real browser.

Runs headless Chromium with a remote-debugging port on loopback (the port the
browser picked is read from ``DevToolsActivePort`` in its profile folder),
opens a page, collects every console message, uncaught exception and log
entry (CSP violations, failed loads), evaluates JavaScript and takes
screenshots. Nothing but ``file://`` pages are opened: no network traffic.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
"""The flags of every run (no sandbox: the tests run as root in CI)."""


def find_chromium() -> str | None:
    """The Chromium executable on PATH, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def install_chromium(timeout: float = 900) -> tuple[str | None, str]:
    """Install Debian's ``chromium`` package with apt-get (as root).

    Returns the executable, or None and why it could not be installed.
    """
    if shutil.which("apt-get") is None:
        return None, "apt-get is not available (not a Debian-like system)"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "installing it needs root: run 'apt-get install chromium' as root"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    for command in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", "chromium"],
    ):
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return None, f"'{' '.join(command)}' took more than {timeout:.0f} s"
        if done.returncode != 0:
            tail = " ".join(done.stderr.split()[-30:])
            return None, f"'{' '.join(command)}' failed ({done.returncode}): {tail}"
    found = find_chromium()
    return found, "" if found else "apt-get installed chromium but it is not on PATH"


@dataclass
class PageReport:
    """What the browser saw while loading a page."""

    console: list[dict[str, Any]] = field(default_factory=list)
    """Console API calls: ``{"type": "error", "text": ...}``."""
    exceptions: list[str] = field(default_factory=list)
    """Uncaught JavaScript exceptions."""
    log: list[dict[str, Any]] = field(default_factory=list)
    """Browser log entries (CSP violations, failed loads, ...): ``{"level", "source", "text"}``."""

    @property
    def errors(self) -> list[str]:
        """Every message of level error, and every exception."""
        found = [
            f"console.{m['type']}: {m['text']}"
            for m in self.console
            if m["type"] in ("error", "assert")
        ]
        found += [f"exception: {text}" for text in self.exceptions]
        found += [f"log {m['source']}: {m['text']}" for m in self.log if m["level"] == "error"]
        return found


class Chromium:
    """One headless Chromium process with one page, driven over the DevTools protocol.

    Use as a context manager; the process is ended on exit.
    """

    def __init__(self, executable: str, profile: Path, width: int = 1280, height: int = 2000):
        self.profile = profile
        self.process = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.socket = None

    def __enter__(self) -> Chromium:
        import websocket

        port = self._wait_for_port(timeout=60)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 30
        while True:
            with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                targets = json.loads(response.read())
            pages = [t for t in targets if t.get("type") == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not pages:
            raise RuntimeError("Chromium opened no page")
        self.socket = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"],
            timeout=60,
            suppress_origin=True,
            http_no_proxy=["127.0.0.1", "localhost"],
        )
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.socket is not None:
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def _wait_for_port(self, timeout: float) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium exited with code {self.process.returncode}")
            if marker.exists():
                first = marker.read_text().splitlines()
                if first and first[0].strip().isdigit():
                    return int(first[0])
            time.sleep(0.05)
        raise RuntimeError(f"Chromium opened no DevTools port within {timeout:.0f} s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command; keep the events that arrive meanwhile; return its result."""
        assert self.socket is not None
        self._next_id += 1
        self.socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _drain(self, seconds: float) -> None:
        assert self.socket is not None
        deadline = time.monotonic() + seconds
        self.socket.settimeout(0.05)
        try:
            while time.monotonic() < deadline:
                try:
                    self._events.append(json.loads(self.socket.recv()))
                except Exception:  # websocket timeout: nothing more right now
                    continue
        finally:
            self.socket.settimeout(60)

    def open(self, path: Path, timeout: float = 60) -> PageReport:
        """Load a local file and report what the console and the log said meanwhile."""
        self._events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} did not finish loading within {timeout:.0f} s")
            self._drain(0.2)
        self._drain(0.5)  # messages that come right after the load event
        report = PageReport()
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
                )
                report.console.append({"type": params.get("type"), "text": text})
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                report.exceptions.append(
                    details.get("exception", {}).get("description") or details.get("text", "")
                )
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                report.log.append(
                    {
                        "level": entry.get("level"),
                        "source": entry.get("source"),
                        "text": entry.get("text"),
                    }
                )
        return report

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, from_id: str | None = None, height: int | None = None) -> None:
        """A PNG of the viewport, or of ``height`` pixels from the top of element ``from_id``."""
        params: dict[str, Any] = {"format": "png"}
        if from_id is not None:
            top = self.evaluate(
                f"document.getElementById({json.dumps(from_id)}).getBoundingClientRect().top"
                " + window.scrollY"
            )
            width = self.evaluate("document.documentElement.clientWidth")
            params["clip"] = {
                "x": 0,
                "y": top,
                "width": width,
                "height": height or 2000,
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        result = self.call("Page.captureScreenshot", **params)
        path.write_bytes(base64.b64decode(result["data"]))


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.devtools PAGE OUT.png [ID HEIGHT]``: screenshot a page (for docs/)."""
    import sys
    import tempfile

    args = sys.argv[1:] if argv is None else argv
    executable = find_chromium()
    if executable is None:
        sys.stderr.write("chromium is not installed: apt-get install chromium\n")
        return 2
    with tempfile.TemporaryDirectory() as profile, Chromium(executable, Path(profile)) as browser:
        seen = browser.open(Path(args[0]))
        if seen.errors:
            sys.stderr.write("\n".join(seen.errors) + "\n")
            return 1
        if len(args) > 2:
            browser.screenshot(Path(args[1]), args[2], int(args[3]) if len(args) > 3 else None)
        else:
            browser.screenshot(Path(args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
