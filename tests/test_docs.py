"""The documentation site: a timeline per changed 2013 body, system and standard, the questions and the rules."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from itops.cli import main

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_site_has_a_timeline_per_changed_body_system_and_standard(tmp_path: Path) -> None:
    assert main(["docs", "-o", str(tmp_path)]) == 0
    for page in ("index.html", "queries.html", "rules.html", "timelines.html"):
        assert (tmp_path / page).is_file(), page
    timelines = {p.stem for p in (tmp_path / "timeline").glob("*.html")}
    assert {"nhs-cb", "hscic", "ccgs", "pcts", "isb-0160", "isb-0129", "igt", "n3", "choose-and-book", "spine",
            "nhais", "nhsmail", "nhs-cb-area-teams"} <= timelines
    hscic = (tmp_path / "timeline" / "hscic.html").read_text()
    dates = re.findall(r'<time datetime="([0-9-]+)"', hscic)
    assert dates == ["2013-04-01", "2016-08-01", "2023-02-01"]
    assert "NHS Digital" in hscic and "https://www.england.nhs.uk/2023/02/nhs-digital-and-nhs-england-complete-merger/" in hscic
    nhs_cb = (tmp_path / "timeline" / "nhs-cb.html").read_text()
    assert "Accountability stays with NHS England" in nhs_cb
    assert re.findall(r'<time datetime="([0-9-]+)"', nhs_cb) == sorted(re.findall(r'<time datetime="([0-9-]+)"', nhs_cb))
    queries = (tmp_path / "queries.html").read_text()
    assert "as-of-commissioning" in queries and "who-commissions" in queries
    assert "ISB 0160 assurance for providers connecting to national systems" in (tmp_path / "rules.html").read_text()


def test_timeline_page_renders_in_chromium(tmp_path: Path) -> None:
    assert main(["docs", "-o", str(tmp_path / "site")]) == 0
    exe = shutil.which("chromium")
    assert exe, "Chromium is missing: install Debian's chromium package (scripts/install-system-deps.sh does)"
    dom = subprocess.run([exe, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          (tmp_path / "site" / "timeline" / "isb-0160.html").as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "SCCI0160" in dom.stdout and "DCB0160" in dom.stdout and 'class="timeline"' in dom.stdout
