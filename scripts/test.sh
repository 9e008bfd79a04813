#!/usr/bin/env bash
# One command for the whole test suite:
#   1. Debian packages the tests drive for real (scripts/install-system-deps.sh says which and why:
#      a JDK, the OWL API and Apache Jena jars, Chromium, Graphviz);
#   2. .venv with itops installed the normal (non-editable) way, with its test extra (pytest, a real
#      Oxigraph SPARQL server, mypy, ruff...), so the tests exercise the installed package;
#   3. ruff and mypy --strict on the package, then pytest.
# Arguments are passed to pytest; the exit status is the first failure's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-system-deps.sh

if [[ ! -x .venv/bin/python ]]; then
    python=$(command -v python3.11 || command -v python3)
    echo "test.sh: creating .venv with $python"
    "$python" -m venv .venv
fi

# setuptools builds in ./build and copies a module there only if the copy looks older: a stale
# build/ (e.g. after a checkout that changed files' times) would install old code
rm -rf build
.venv/bin/python -m pip install --quiet --disable-pip-version-check ".[test]"
# pip may keep an installed itops of the same version: make sure this checkout's is installed
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .

# Lint and types are steps of their own: a failure names the step and stops the run.
echo "== ruff check and ruff format --check"
.venv/bin/ruff check itops tests benchmarks
.venv/bin/ruff format --check itops tests benchmarks
echo "== mypy --strict (the package)"
.venv/bin/mypy

echo "== pytest"
# -P: do not put the current folder on sys.path, so `import itops` is the installed package
export ITOPS_TEST_INSTALLED=1
status=0
.venv/bin/python -P -m pytest "$@" || status=$?
exit "$status"
