"""Print pip constraints that pin each dependency of pyproject.toml (and its test extra) to its floor.

    python scripts/floors.py > constraints.txt
    pip install -c constraints.txt '.[test]'

scripts/test.sh installs these once (ITOPS_FLOORS=1, as .ci/run sets) and runs the fast tier on
them, so that every ``>=`` in pyproject.toml is a version the tests have passed on. A requirement
without a lower bound is left to pip.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^]]*\])?\s*[^;]*?>=\s*([0-9][^,;\s]*)")


def floors(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
    pins = []
    for requirement in requirements:
        found = FLOOR.match(requirement)
        if found:
            pins.append(f"{found[1]}=={found[2]}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("".join(f"{pin}\n" for pin in floors(root / "pyproject.toml")))
