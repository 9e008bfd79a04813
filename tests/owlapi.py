"""Run tests/java/OwlCheck.java (OWL API 5.1, as packaged by Debian) from the tests.

The checker is compiled once per test session into a temporary folder. If ``javac``, ``java``
or one of the jars is missing, the tests that need it FAIL (never skip: CI must run them) with
a message naming the Debian packages to install (``scripts/install-system-deps.sh`` does it).

Use the ``owl_check`` fixture: ``owl_check(file, *local_dirs_or_catalogs)`` returns the parsed
JSON report of ``java OwlCheck FILE [LOCALDIR | CATALOG.xml ...]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import javac

JAVA_DIR = Path("/usr/share/java")
SOURCE = Path(__file__).resolve().parent / "java" / "OwlCheck.java"

# Every jar OwlCheck needs at compile and run time, with the Debian package providing it.
JARS: dict[str, str] = {
    "owlapi-distribution.jar": "libowlapi-java",
    "guava.jar": "libguava-java",
    "caffeine.jar": "libcaffeine-java",
    "commons-io.jar": "libcommons-io-java",
    "commons-codec.jar": "libcommons-codec-java",
    "commons-rdf-api.jar": "libcommons-rdf-java",
    "hppcrt.jar": "libhppcrt-java",
    "jackson-core.jar": "libjackson2-core-java",
    "jackson-databind.jar": "libjackson2-databind-java",
    "jackson-annotations.jar": "libjackson2-annotations-java",
    "jsr305.jar": "libjsr305-java",
    "jsonld-java.jar": "libjsonld-java",
    "slf4j-api.jar": "libslf4j-java",
    "slf4j-simple.jar": "libslf4j-java",
    "xz.jar": "libxz-java",
    "atinject-jsr330-api.jar": "libatinject-jsr330-api-java",
    "httpclient.jar": "libhttpclient-java",
    "httpclient-cache.jar": "libhttpclient-java",
    "httpcore.jar": "libhttpcore-java",
    "commons-logging.jar": "libcommons-logging-java",
    "rdf4j-model.jar": "librdf4j-java",
    "rdf4j-model-api.jar": "librdf4j-java",
    "rdf4j-model-vocabulary.jar": "librdf4j-java",
    "rdf4j-util.jar": "librdf4j-java",
    "rdf4j-rio-api.jar": "librdf4j-java",
    "rdf4j-rio-datatypes.jar": "librdf4j-java",
    "rdf4j-rio-languages.jar": "librdf4j-java",
    "rdf4j-rio-turtle.jar": "librdf4j-java",
    "rdf4j-rio-ntriples.jar": "librdf4j-java",
    "rdf4j-rio-nquads.jar": "librdf4j-java",
    "rdf4j-rio-rdfxml.jar": "librdf4j-java",
    "rdf4j-rio-jsonld.jar": "librdf4j-java",
    "rdf4j-rio-trig.jar": "librdf4j-java",
    "rdf4j-rio-n3.jar": "librdf4j-java",
    "rdf4j-rio-trix.jar": "librdf4j-java",
    "rdf4j-rio-binary.jar": "librdf4j-java",
    "rdf4j-rio-rdfjson.jar": "librdf4j-java",
}
JDK_PACKAGE = "openjdk-17-jdk-headless"
INSTALL_HINT = "run `bash scripts/install-system-deps.sh` (or `apt-get install {}`)"

OwlCheck = Callable[..., dict[str, Any]]


def _missing_message(what: str, packages: set[str]) -> str:
    pkgs = " ".join(sorted(packages))
    return f"OWL API checks cannot run: {what}. Install the Debian packages {pkgs}: " + INSTALL_HINT.format(pkgs)


def classpath() -> list[Path]:
    """Return the jars of the classpath, or fail the test naming the packages to install."""
    missing = {jar: pkg for jar, pkg in JARS.items() if not (JAVA_DIR / jar).is_file()}
    if missing:
        pytest.fail(
            _missing_message(f"missing {', '.join(sorted(missing))} in {JAVA_DIR}", set(missing.values())),
            pytrace=False,
        )
    return [JAVA_DIR / jar for jar in JARS]


def compile_owlcheck(build_dir: Path) -> list[Path]:
    """Compile OwlCheck.java into ``build_dir``; return the run-time classpath."""
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            pytest.fail(_missing_message(f"`{tool}` is not on PATH", {JDK_PACKAGE}), pytrace=False)
    jars = classpath()
    problem = javac(SOURCE, jars, build_dir)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    return [build_dir, *jars]


def run_owlcheck(cp: list[Path], file: Path, *local: Path) -> dict[str, Any]:
    """Run OwlCheck on ``file`` with imports resolved from ``local`` folders or catalogs."""
    cmd = [
        # C1 only and the serial GC: about twice as fast for a run this short
        "java",
        "-Xmx1g",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp",
        os.pathsep.join(map(str, cp)),
        "OwlCheck",
        str(file),
        *map(str, local),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"OwlCheck gave no JSON (exit {result.returncode}) for {file}:\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}",
            pytrace=False,
        )
    if result.returncode != 0 or "error" in report:
        pytest.fail(f"the OWL API could not load {file}: {report.get('error')}\n{result.stderr}", pytrace=False)
    report["stderr"] = result.stderr
    return report


@pytest.fixture(scope="session")
def owl_check(tmp_path_factory: pytest.TempPathFactory) -> OwlCheck:
    """Compile OwlCheck once per session; return a function that runs it and parses its JSON."""
    cp = compile_owlcheck(tmp_path_factory.mktemp("owlcheck"))

    def check(file: Path, *local: Path) -> dict[str, Any]:
        return run_owlcheck(cp, file, *local)

    return check
