"""The library is typed: mypy --strict finds nothing in the itops package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import itops


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    package = Path(itops.__file__).parent
    assert (package / "py.typed").is_file(), "the package must ship py.typed"
    # -p checks the package as Python imports it (installed, or the checkout), from a neutral folder;
    # an editable install is found through an import hook mypy does not follow, so name its folder
    env = dict(os.environ)
    if package.parent.name != "site-packages":
        env["MYPYPATH"] = str(package.parent)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--ignore-missing-imports",
            "--cache-dir",
            str(tmp_path / "cache"),
            "-p",
            "itops",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
