"""The W3C SHACL Core test suite on the fast engine: every case passes or is refused by name.

The suite (data-shapes-test-suite, ``tests/core``) travels in pySHACL's source distribution under
``test/resources/sht_tests/core``. The first run downloads that sdist for the installed pySHACL
with pip into a cache folder (``$ITOPS_TEST_CACHE`` or ``~/.cache/itops-tests``), never into the
tree. Offline, the tests are skipped with the reason; with ``CI=true`` they fail instead.

Each case is run on Oxigraph with the compiled shapes and its report compared with the suite's
expected report by pySHACL's own comparison (``check_sht_result``: same conformance, same results by
focus node, value and path, blank nodes compared by structure). A case whose shapes use something the
engine does not compile must be listed in :data:`REFUSED`, with the component it is refused for:
then compiling must raise ``UnsupportedShapeError`` naming that component. A case listed there that
the engine compiles, or a case not listed that it refuses, fails.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import missing_tool
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from itops.errors import UnsupportedShapeError
from itops.fastshacl import compile_shapes, describe_blank_nodes, results_graph, run_checks
from itops.loader import rdf_graph as read_graph

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SUITE_PATH = "test/resources/sht_tests/core"

#: Cases the engine refuses, with the component (or form) named in the refusal.
REFUSED: dict[str, str] = {
    # Oxigraph stores xsd:byte (and every other integer subtype) as xsd:integer
    "property/datatype-ill-formed": "DatatypeConstraintComponent",
    # the shapes of SHACL itself (shacl-shacl) use sh:zeroOrMorePath inside nested shapes
    "complex/shacl-shacl": "path",
    # a path node that is both a sequence and an inverse path is ill-formed
    "path/path-strange-001": "path",
    "path/path-strange-002": "path",
}


@dataclass(frozen=True)
class Case:
    """One sht:Validate entry of the suite."""

    id: str
    data: Path
    shapes: Path
    manifest: Graph
    result: URIRef | BNode


def _cache() -> Path:
    return Path(os.environ.get("ITOPS_TEST_CACHE", Path.home() / ".cache" / "itops-tests"))


def _suite() -> tuple[Path | None, str]:
    """The folder holding the core suite, downloading it if needed; or None and why not."""
    pyshacl_version = version("pyshacl")
    folder = _cache() / f"pyshacl-{pyshacl_version}-sht-core"
    if (folder / "node" / "manifest.ttl").is_file():
        return folder, ""
    download = _cache() / "download"
    download.mkdir(parents=True, exist_ok=True)
    sdist = download / f"pyshacl-{pyshacl_version}.tar.gz"
    if not sdist.is_file():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"pyshacl=={pyshacl_version}",
                "-d",
                str(download),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0 or not sdist.is_file():
            last = " ".join(proc.stderr.strip().splitlines()[-1:])
            return None, f"cannot download pySHACL {pyshacl_version}'s sdist: {last}"
    prefix = f"pyshacl-{pyshacl_version}/{SUITE_PATH}/"
    partial = Path(tempfile.mkdtemp(prefix="partial-", dir=_cache()))  # two test runs at once do not collide
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.name.startswith(prefix) and m.isfile()]
        for member in members:
            member.name = member.name[len(prefix) :]
        archive.extractall(partial, members=members, filter="data")
    try:
        partial.rename(folder)
    except OSError:  # another run got there first
        shutil.rmtree(partial, ignore_errors=True)
    return folder, ""


def _cases() -> tuple[list[Case], str]:
    try:
        folder, reason = _suite()
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as err:
        folder, reason = None, f"cannot fetch the suite: {err}"
    if folder is None:
        return [], reason
    cases = []
    for file in sorted(folder.glob("*/*.ttl")):
        manifest = read_graph([str(file)])  # Oxigraph's parser keeps lexical forms; rdflib's normalises
        for entries in manifest.objects(None, MF.entries):
            for entry in Collection(manifest, entries):
                if (entry, RDF.type, SHT.Validate) not in manifest:
                    continue
                action = manifest.value(entry, MF.action)
                data = manifest.value(action, SHT.dataGraph)
                shapes = manifest.value(action, SHT.shapesGraph)
                result = manifest.value(entry, MF.result)
                assert isinstance(data, URIRef) and isinstance(shapes, URIRef) and isinstance(result, (URIRef, BNode))
                case_id = f"{file.parent.name}/{file.stem}"
                cases.append(
                    Case(
                        case_id,
                        Path(data.removeprefix("file://")),
                        Path(shapes.removeprefix("file://")),
                        manifest,
                        result,
                    )
                )
    return cases, ""


CASES, WHY_NOT = _cases()


def test_the_suite_is_available() -> None:
    if not CASES:
        missing_tool(f"the W3C SHACL core suite is not available: {WHY_NOT}")
    assert len(CASES) >= 95  # pySHACL 0.40 carries 98 validation cases of the core suite


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_core_case(case: Case, caplog: pytest.LogCaptureFixture) -> None:
    from pyshacl.validator_conformance import check_sht_result

    shapes = read_graph([str(case.shapes)])
    if case.id in REFUSED:
        with pytest.raises(UnsupportedShapeError) as refusal:
            compile_shapes(shapes)
        assert REFUSED[case.id] in refusal.value.component
        return
    compiled = compile_shapes(shapes)
    store = ox.Store()
    store.load(path=str(case.data), format=ox.RdfFormat.TURTLE, base_iri=case.data.as_uri())
    report = results_graph(run_checks(store, compiled), shapes=shapes, allow_warnings=False)
    describe_blank_nodes([store], report)
    expected = _canonical(case.manifest)
    caplog.set_level(logging.ERROR)
    # (serialising the report first would bind prefixes that change how the comparison names nodes)
    passes = check_sht_result(report, expected, case.result, log=logging.getLogger("sht"))
    assert passes, report.serialize(format="turtle")


def _canonical(graph: Graph) -> Graph:
    """``graph`` with every literal in the canonical form Oxigraph stores it in ("4.0" decimal is "4")."""
    from itops.terms import to_rdflib as _to_rdflib

    literals = sorted({o for o in graph.objects() if isinstance(o, Literal)}, key=repr)
    store = ox.Store()
    lines = "".join(f"<urn:s> <urn:p{i}> {literal.n3()} .\n" for i, literal in enumerate(literals))
    store.load(lines.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    canonical: dict[Node, Node] = {}
    for quad in store.quads_for_pattern(None, None, None):
        assert isinstance(quad.object, ox.Literal)
        canonical[literals[int(quad.predicate.value.removeprefix("urn:p"))]] = _to_rdflib(quad.object)
    out = Graph()
    for s_, p_, o_ in graph:
        out.add((s_, p_, canonical.get(o_, o_)))
    return out


def test_every_claimed_component_has_a_case() -> None:
    """Each component the engine compiles is exercised by at least one case that passes."""
    from itops.fastshacl import COMPONENTS

    if not CASES:
        pytest.skip(WHY_NOT)
    used: set[str] = set()
    for case in CASES:
        if case.id not in REFUSED:
            used.update(
                str(o)
                for o in case.manifest.objects(None, URIRef("http://www.w3.org/ns/shacl#sourceConstraintComponent"))
            )
    claimed = {str(c.iri) for c in COMPONENTS.values() if c.refused is None}
    # the suite's core folder has no SHACL-SPARQL case (that is in its sparql folder); test_fastshacl covers it
    # and none of sh:qualifiedMaxCount (test_fastshacl covers both)
    missing = (
        claimed
        - used
        - {
            "http://www.w3.org/ns/shacl#SPARQLConstraintComponent",
            "http://www.w3.org/ns/shacl#PropertyConstraintComponent",
            "http://www.w3.org/ns/shacl#QualifiedMaxCountConstraintComponent",
        }
    )
    assert not missing
