"""Run SPARQL queries through Apache Jena ARQ (Debian's ``libapache-jena-java``) from the tests.

``tests/java/ArqRun.java`` is compiled once per test session into a temporary folder and run
with the Debian jars on the classpath; it loads RDF files into one default graph and prints the
SPARQL 1.1 JSON results of each query, which :func:`run_arq` reads back as rdflib terms.

Locally, a missing ``java``/``javac`` or Jena jar SKIPS the tests that need it, with the reason
and the Debian packages to install; with ``CI=true`` in the environment it FAILS them, so CI
cannot go green without running Jena (``scripts/install-system-deps.sh`` installs everything).

Debian's jena-core 4.5.0-2 moves the bundled Xerces classes from ``org.apache.jena.ext.xerces``
to ``xerces`` but leaves their message bundles at the old place, so the first ``xsd:`` datatype
fails with "internal error"; :func:`compile_arqrun` copies the bundles to where the classes look.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from conftest import javac, missing_tool
from rdflib import Graph

from itops.endpoint import parse_json_results
from itops.graph import KnowledgeGraph
from itops.query import QueryResult

JAVA_DIR = Path("/usr/share/java")
SOURCE = Path(__file__).resolve().parent / "java" / "ArqRun.java"

#: Every jar ArqRun needs at compile and run time, with the Debian package providing it.
JARS: dict[str, str] = {
    "jena-arq.jar": "libapache-jena-java",
    "jena-core.jar": "libapache-jena-java",
    "jena-base.jar": "libapache-jena-java",
    "jena-iri.jar": "libapache-jena-java",
    "commons-lang3.jar": "libcommons-lang3-java",
    "commons-io.jar": "libcommons-io-java",
    "commons-codec.jar": "libcommons-codec-java",
    "commons-compress.jar": "libcommons-compress-java",
    "commons-csv.jar": "libcommons-csv-java",
    "dexx.collection.jar": "libdexx-java",
    "gson.jar": "libgoogle-gson-java",
    "guava.jar": "libguava-java",
    "caffeine.jar": "libcaffeine-java",
    "slf4j-api.jar": "libslf4j-java",
    "slf4j-nop.jar": "libslf4j-java",
    "thrift.jar": "libthrift-java",
    "protobuf.jar": "libprotobuf-java",
    "jsonld-java.jar": "libjsonld-java",
    "titanium-json-ld.jar": "libtitanium-json-ld-java",
    "jakarta.json-api.jar": "libjsonp2-java",
    "jackson-core.jar": "libjackson2-core-java",
    "jackson-databind.jar": "libjackson2-databind-java",
    "jackson-annotations.jar": "libjackson2-annotations-java",
    "httpclient.jar": "libhttpclient-java",
    "httpcore.jar": "libhttpcore-java",
}
JDK_PACKAGE = "openjdk-17-jdk-headless"
_XERCES_BUNDLES = "org/apache/jena/ext/xerces/"


class JenaUnavailable(Exception):
    """Java, javac or a Jena jar is missing: the message says which, and what to install."""


class ArqRunError(Exception):
    """ArqRun did not compile, could not load the data, or a query failed on Jena."""


def unavailable(reason: str) -> NoReturn:
    """Skip the test (fail it under ``CI=true``): Jena ARQ cannot run, for ``reason``."""
    missing_tool(f"Jena ARQ cannot run: {reason}")


def classpath() -> list[Path]:
    """The jars of the run-time classpath.

    Raises:
        JenaUnavailable: a jar is missing; the message names the Debian packages to install.
    """
    missing = {jar: pkg for jar, pkg in JARS.items() if not (JAVA_DIR / jar).is_file()}
    if missing:
        raise JenaUnavailable(
            f"missing {', '.join(sorted(missing))} in {JAVA_DIR}; install the Debian packages "
            + " ".join(sorted(set(missing.values())))
        )
    return [JAVA_DIR / jar for jar in JARS]


def _copy_xerces_bundles(jena_core: Path, target: Path) -> None:
    """Put jena-core's Xerces message bundles where its relocated ``xerces.*`` classes look for them."""
    with zipfile.ZipFile(jena_core) as jar:
        for name in jar.namelist():
            if name.startswith(_XERCES_BUNDLES) and name.endswith(".properties"):
                out = target / name[len("org/apache/jena/ext/") :]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))


def compile_arqrun(build_dir: Path) -> list[Path]:
    """Compile ArqRun.java into ``build_dir``; return the run-time classpath.

    Raises:
        JenaUnavailable: ``java``, ``javac`` or a jar is missing.
        ArqRunError: javac failed.
    """
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            raise JenaUnavailable(f"`{tool}` is not on PATH; install the Debian package {JDK_PACKAGE}")
    jars = classpath()
    problem = javac(SOURCE, jars, build_dir)
    if problem is not None:
        raise ArqRunError(problem)
    _copy_xerces_bundles(JAVA_DIR / "jena-core.jar", build_dir)
    return [build_dir, *jars]


@dataclass(frozen=True)
class ArqReport:
    """What one ArqRun process reported: load time, triples, and per query its rows and run times."""

    load_ms: int
    triples: int
    results: tuple[QueryResult, ...]
    millis: tuple[tuple[int, ...], ...]


def run_arqrun(
    cp: Sequence[Path],
    data: Sequence[Path],
    texts: Sequence[str],
    work: Path,
    *,
    list_columns: Sequence[frozenset[str]] | None = None,
    repeat: int = 1,
    timeout_s: int = 60,
) -> ArqReport:
    """Run every query text on the ``data`` files in one JVM.

    Raises:
        ArqRunError: the data could not be loaded, or a query failed (the message shows it).
    """
    files = []
    for i, text in enumerate(texts):
        file = work / f"q{i:03d}.rq"
        file.write_text(text, encoding="utf-8")
        files.append(file)
    cmd = [
        # C1 only and the serial GC: faster for a run this short
        "java",
        "-Xmx1g",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-cp",
        os.pathsep.join(map(str, cp)),
        "ArqRun",
        "-t",
        str(timeout_s),
        "-r",
        str(repeat),
        *map(str, data),
        "--",
        *map(str, files),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise ArqRunError(
            f"ArqRun gave no JSON (exit {proc.returncode}):\nstdout: {proc.stdout[:2000]}\nstderr: {proc.stderr[:4000]}"
        ) from None
    if "error" in report:
        raise ArqRunError(f"ArqRun: {report['error']}")
    results: list[QueryResult] = []
    millis: list[tuple[int, ...]] = []
    for i, item in enumerate(report["results"]):
        if "error" in item:
            raise ArqRunError(f"Jena ARQ failed on query {i}: {item['error']}\n{texts[i]}")
        columns, rows = parse_json_results(json.dumps(item["sparql"]).encode("utf-8"))
        listed = list_columns[i] if list_columns is not None else frozenset()
        results.append(QueryResult.from_rows(columns, rows, list_columns=listed))
        millis.append(tuple(int(ms) for ms in item["ms"]))
    return ArqReport(int(report["load_ms"]), int(report["triples"]), tuple(results), tuple(millis))


def union_ntriples(kg: KnowledgeGraph, target: Path) -> Path:
    """Write every triple of ``kg`` (all its sources, as one graph) to ``target`` as N-Triples."""
    merged = Graph()
    for triple in kg.dataset.triples((None, None, None)):
        merged.add(triple)
    merged.serialize(target, format="nt", encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def arq_classpath(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """ArqRun compiled once per session: its classpath (skips/fails when Java or Jena is missing)."""
    try:
        return compile_arqrun(tmp_path_factory.mktemp("arqrun"))
    except JenaUnavailable as err:
        unavailable(str(err))
