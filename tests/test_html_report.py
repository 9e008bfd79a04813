"""The HTML validation report, opened in a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from itops.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Chromium is missing: install Debian's chromium package (scripts/install-system-deps.sh does)"
    return exe


def test_report_page_renders_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert main(["validate", str(EXAMPLES / "register.csv"), "--format", "html", "-o", str(page)]) == 1
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert "<caption>Findings by organisation</caption>" in html
    for organisation in ("Riverside Pharmacy", "Forgetful Clinical Commissioning Group", "Corner Cutting IT Ltd"):
        assert organisation in html
    assert html.count('class="violation"') == 13 and html.count('class="warning"') == 5
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 10_000
