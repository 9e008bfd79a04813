#!/usr/bin/env bash
# The main job in one command: install itops into .venv, then validate and report on the bundled
# operating models with the example register (whose deliberate breaks are expected, so this script
# succeeds when validation finds them; `itops validate` itself exits 1 on violations for scripts).
# Needs only Python 3.11 (Java is for the test suite). Extra arguments go to `itops validate`
# (e.g. your own register: bash scripts/run.sh my-register.csv).
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
.venv/bin/itops info
echo
registers=("$@")
[[ ${#registers[@]} -gt 0 ]] || registers=(examples/register.csv)
echo "== Validation of the documents and ${registers[*]} against the documents' rules"
status=0
.venv/bin/itops validate "${registers[@]}" || status=$?
if [[ $status -gt 1 ]]; then
    exit "$status"
fi
echo
echo "(itops validate exited $status: 0 = no violation, 1 = violations found. HTML: .venv/bin/itops validate ${registers[*]} --format html -o report.html)"
