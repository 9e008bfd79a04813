#!/usr/bin/env bash
# The main job in one command: install itops into .venv and report on the bundled operating models.
# Needs only Python 3.11 (no Java: that is for the test suite). Extra arguments go to `itops info`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -x .venv/bin/python ]]; then
    python=$(command -v python3.11 || command -v python3)
    if ! "$python" -c 'import ensurepip' 2>/dev/null; then
        echo "run.sh: $python cannot create virtual environments; install Debian's python3-venv" >&2
        exit 2
    fi
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check .
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .

echo "== What is loaded"
.venv/bin/itops info "$@"
echo
echo "== Who commissions what (both documents; itops query --list shows every question)"
.venv/bin/itops query commissioning --format csv | cut -c1-200
