#!/usr/bin/env bash
# One command for the whole test suite:
#   1. Debian packages the tests drive for real (scripts/install-system-deps.sh says which and why:
#      a JDK, the OWL API and Apache Jena jars, Chromium, Graphviz);
#   2. .venv with itops installed the normal (non-editable) way, with its test extra (pytest, a real
#      Oxigraph SPARQL server, mypy, ruff...), so the tests exercise the installed package;
#   3. ruff and mypy --strict on the package, then pytest;
#   4. with ITOPS_FLOORS=1 (as .ci/run sets): .venv-floors, every dependency at the floor
#      pyproject.toml gives it (scripts/floors.py), and the fast tier on it.
# Arguments are passed to pytest; the exit status is the first failure's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-system-deps.sh

python=$(command -v python3.11 || command -v python3)
if [[ ! -x .venv/bin/python ]]; then
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
.venv/bin/ruff check itops tests benchmarks scripts
.venv/bin/ruff format --check itops tests benchmarks scripts
echo "== mypy --strict (the package)"
.venv/bin/mypy

echo "== pytest"
# -P: do not put the current folder on sys.path, so `import itops` is the installed package
export ITOPS_TEST_INSTALLED=1
status=0
.venv/bin/python -P -m pytest "$@" || status=$?

if [[ "${ITOPS_FLOORS:-}" == 1 && $status -eq 0 ]]; then
    echo "== the fast tier on the lowest versions pyproject.toml allows"
    rm -rf .venv-floors build
    "$python" -m venv .venv-floors
    "$python" scripts/floors.py > .venv-floors/constraints.txt
    .venv-floors/bin/python -m pip install --quiet --disable-pip-version-check -c .venv-floors/constraints.txt ".[test]"
    .venv-floors/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .
    .venv-floors/bin/python -m pip list --disable-pip-version-check 2>/dev/null |
        grep -i -E "^(rdflib|pyshacl|owlready2|sparqlwrapper|pyoxigraph|jinja2|rich|requests|python-calamine) " |
        tr -s ' ' | paste -sd, - || true
    # old rdflib on a newer pyparsing warns thousands of times: the summary only counts them
    .venv-floors/bin/python -P -m pytest -q --disable-warnings -m "not slow and not system" || status=$?
fi
exit "$status"
