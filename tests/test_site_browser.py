"""The documentation site in a real browser: one headless Chromium, driven over the DevTools protocol.

For one page of each kind, at 375 px and 1280 px wide: no console error, no uncaught exception,
no failed load, no sideways scroll (``document.documentElement.scrollWidth <= innerWidth``, and
``innerWidth`` still the width asked: phone emulation widens the viewport to fit overflowing content), and
a screenshot (kept in ``$ITOPS_SCREENSHOTS`` when set, else in the test's temporary folder).
The protocol travels over a pipe (``--remote-debugging-pipe``: commands on fd 3, answers on fd 4,
each message JSON ended by a NUL byte), so no WebSocket library and no port is needed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_tool

from itops.docsite import build_site

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]

#: One page of each kind (and the search page with a query, so that results are drawn).
PAGES = {
    "home": "index.html",
    "document": "documents/af-2013.html",
    "grid": "documents/cp-2012-grid.html",
    "party": "id/nhs-cb.html",
    "category": "id/primary-care-contractors.html",
    "statement": "id/af-2013-com-01.html",
    "rule": "rules/IgtCompleted.html",
    "rules": "rules.html",
    "term": "ontology/CommissioningArrangement.html",
    "ontology": "ontology.html",
    "diagrams": "diagrams.html",
    "search": "search.html?q=smartcard",
    "timeline": "timeline/hscic.html",
    "parties": "parties.html",
    "questions": "queries.html",
}
WIDTHS = (375, 1280)


class Browser:
    """A headless Chromium and one page of it, spoken to over the DevTools pipe."""

    def __init__(self, exe: str, profile: Path) -> None:
        commands_read, self._commands = (_high(fd) for fd in os.pipe())
        self._answers, answers_write = (_high(fd) for fd in os.pipe())

        def wire() -> None:  # in the child, before fds are closed and exec: fd 3 reads commands, fd 4 writes answers
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            pass_fds=(3, 4),
        )
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._answers], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False, timeout: float = 60
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read(timeout)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        for i, seen in enumerate(self.events):
            if seen.get("method") == event:
                del self.events[i]
                return
        while True:
            answer = self._read(timeout)
            if answer.get("method") == event:
                return
            self.events.append(answer)

    def open(self, url: str, width: int) -> list[str]:
        """Load ``url`` at ``width`` px; return the console errors, exceptions and failed loads it caused."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
            session=True,
        )
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")
        self.call("Runtime.evaluate", {"expression": "1", "returnByValue": True}, session=True)  # flush events
        problems = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                problems.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return problems

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)[
            "result"
        ].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=True)[
            "data"
        ]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, EOFError, RuntimeError, OSError):
            self.call("Browser.close", timeout=10)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._commands, self._answers):
            with contextlib.suppress(OSError):
                os.close(fd)


def _high(fd: int) -> int:
    """``fd`` moved above 9 (close-on-exec), so that wiring fds 3 and 4 in the child cannot clobber it."""
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        missing_tool("Chromium is missing: install Debian's chromium package")
    return exe


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(out)
    report = out / "report.html"  # the validation report, in the same layout
    from itops.graph import KnowledgeGraph
    from itops.register import RegisterReader
    from itops.reports.validation import to_html
    from itops.validate import validate

    kg = KnowledgeGraph.bundled()
    examples = Path(__file__).resolve().parent.parent / "examples" / "register.csv"
    kg.add_graph(
        RegisterReader(kg.dataset, kg.names()).read(str(examples)), name="register.csv", graph_iri=examples.as_uri()
    )
    report.write_text(to_html(validate(kg), title="Example register", site_url="."), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    b = Browser(chromium(), tmp_path_factory.mktemp("profile"))
    try:
        yield b
    finally:
        b.close()


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ITOPS_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_every_kind_of_page_loads_cleanly_fits_375px_and_is_screenshot(
    site: Path, browser: Browser, tmp_path: Path
) -> None:
    shots = shots_folder(tmp_path)
    pages = dict(PAGES, report="report.html")
    failures = []
    for kind, page in pages.items():
        path, _, query = page.partition("?")
        url = (site / path).as_uri() + (f"?{query}" if query else "")
        for width in WIDTHS:
            problems = browser.open(url, width)
            if problems:
                failures.append(f"{kind} at {width}px: {problems}")
            wide = browser.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            # a phone widens the layout viewport to fit content that overflows, so innerWidth must stay the width asked
            if wide[0] > wide[1] or wide[1] > width:
                failures.append(f"{kind} at {width}px scrolls sideways: scrollWidth {wide[0]}, innerWidth {wide[1]}")
            shot = shots / f"{kind}-{width}.png"
            browser.screenshot(shot)
            assert shot.stat().st_size > 5_000, shot
    assert not failures, failures


def test_search_finds_passages_from_a_file_url(site: Path, browser: Browser) -> None:
    assert browser.open((site / "search.html").as_uri() + "?q=smartcard", 1280) == []
    count = browser.evaluate("document.querySelectorAll('#results li').length")
    assert count > 3
    # AF 2013 §05 Registration Authority: "...including issuing and management of smartcards..."
    text = browser.evaluate("document.getElementById('results').innerText")
    assert "issuing and management of smartcards" in text


def test_the_checks_see_a_console_error_a_missing_file_and_sideways_scroll(tmp_path: Path, browser: Browser) -> None:
    """The checks above can fail: a page with each fault is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bad</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        '<body><div style="width:900px">wide</div><script src="missing.js"></script>'
        '<script>console.error("boom"); undefinedFunction();</script></body></html>',
        encoding="utf-8",
    )
    problems = browser.open(bad.as_uri(), 375)
    assert any("boom" in p for p in problems) and any(p.startswith("exception") for p in problems)
    assert any("missing.js" in p for p in problems), problems
    wide = browser.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert wide[0] > 375 and wide[1] > 375  # on a phone the overflow widens the viewport: the check above sees it
