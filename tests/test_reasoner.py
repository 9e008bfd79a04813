"""HermiT (through owlready2) on the merged release: consistent, and every class satisfiable.

owlready2 reads RDF/XML, so the checks run on ``itops-full.owl`` built into a temporary folder.
That file imports nothing; to be sure nothing reaches the network anyway, every internet socket
connection from this process is refused while these tests run (HermiT itself is given a local
file by owlready2).

The ontology imports the published W3C ORG and PROV (ontology/imports/). The release merged with
both is checked by the HermiT that owlready2 bundles, run on one N-Triples file that rdflib
writes: owlready2's own load-and-save of PROV is not faithful (it writes multi-line literals
unescaped and "repairs" PROV's punned properties, then fails on PROV's undeclared inverse names).
"""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from itops.release import build_release, merged_graph, serialize
from itops.resources import resource_dir

ITOPS = "https://w3id.org/itops#"
MIN_CLASSES = 40
MIN_CLASS_ASSERTIONS = 100
COUNT_CLASS_ASSERTIONS = """
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    SELECT (COUNT(?x) AS ?n) WHERE { ?x a ?c . ?c a owl:Class }
"""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse internet connections from this process (unix sockets and pipes still work)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"test_reasoner: network access refused ({address!r})")
        real_connect(self, address)  # type: ignore[arg-type]

    def guarded_ex(self: socket.socket, address: object) -> int:
        guarded(self, address)
        return 0

    # socket.create_connection and urllib go through socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
    yield


@pytest.fixture(scope="module")
def release_owl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    build_release(out)
    return out / "itops-full.owl"


def _load(path: Path) -> owlready2.World:
    """Load an RDF/XML file into a fresh owlready2 World (not the default one)."""
    world = owlready2.World()
    with path.open("rb") as handle:
        onto = world.get_ontology("https://w3id.org/itops#").load(fileobj=handle)
    assert list(onto.imported_ontologies) == []
    return world


def _reason(world: owlready2.World) -> None:
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)


def _unsatisfiable(world: owlready2.World) -> list[str]:
    """IRIs of the classes HermiT found equivalent to owl:Nothing (owl:Nothing itself left out)."""
    return sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)


def test_release_is_consistent_and_coherent(release_owl: Path) -> None:
    world = _load(release_owl)
    assert len(list(world.classes())) >= MIN_CLASSES
    # world.individuals() lists only subjects typed owl:NamedIndividual; HermiT gets every triple
    [[assertions]] = list(world.sparql(COUNT_CLASS_ASSERTIONS))
    assert assertions >= MIN_CLASS_ASSERTIONS, "the merged release holds (almost) no data"
    try:
        _reason(world)
    except owlready2.OwlReadyInconsistentOntologyError as error:  # pragma: no cover
        pytest.fail(f"HermiT: the merged ontology is inconsistent: {error}")
    unsatisfiable = _unsatisfiable(world)
    assert unsatisfiable == [], f"HermiT: unsatisfiable classes: {unsatisfiable}"


def _write(graph: Graph, path: Path) -> Path:
    path.write_bytes(serialize(graph, "xml"))
    return path


def test_reasoner_detects_an_inconsistency(tmp_path: Path) -> None:
    """The check can fail: something both a Party and a Service (disjoint) is inconsistent."""
    graph = merged_graph()
    thing = URIRef("https://example.org/test#party-and-service")
    graph.add((thing, RDF.type, OWL.NamedIndividual))
    graph.add((thing, RDF.type, URIRef(ITOPS + "Party")))
    graph.add((thing, RDF.type, URIRef(ITOPS + "Service")))
    world = _load(_write(graph, tmp_path / "inconsistent.owl"))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(world)


def test_reasoner_detects_an_unsatisfiable_class(tmp_path: Path) -> None:
    """The check can fail: a class under both Party and Service has no possible instance."""
    graph = merged_graph()
    cls = URIRef("https://example.org/test#PartyService")
    graph.add((cls, RDF.type, OWL.Class))
    graph.add((cls, RDFS.subClassOf, URIRef(ITOPS + "Party")))
    graph.add((cls, RDFS.subClassOf, URIRef(ITOPS + "Service")))
    world = _load(_write(graph, tmp_path / "incoherent.owl"))
    _reason(world)
    assert _unsatisfiable(world) == [str(cls)]


# ---------------------------------------------------------------- with ORG and PROV imported

PROV_ENTITY = URIRef("http://www.w3.org/ns/prov#Entity")
IMPORTED = ("org.nt", "prov.nt")


def _with_imports(graph: Graph) -> Graph:
    """``graph`` plus the published ORG and PROV, as one ontology (their owl:imports dropped)."""
    folder = Path(str(resource_dir("ontology"))) / "imports"
    for name in IMPORTED:
        graph.parse(folder / name, format="nt")
    graph.remove((None, OWL.imports, None))
    return graph


def _hermit(graph: Graph, path: Path) -> tuple[bool, list[str]]:
    """Run owlready2's HermiT on ``graph``: (consistent?, unsatisfiable classes but owl:Nothing)."""
    graph.serialize(path, format="nt", encoding="utf-8")
    classpath = owlready2.reasoning._HERMIT_CLASSPATH
    result = subprocess.run(
        [
            owlready2.JAVA_EXE,
            "-Xmx2000M",
            "-cp",
            classpath,
            "org.semanticweb.HermiT.cli.CommandLine",
            "-k",
            "-U",
            "-N",
            path.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if "Inconsistent ontology" in result.stdout + result.stderr:
        return False, []
    assert result.returncode == 0, f"HermiT failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    assert "owl:Thing is satisfiable" in result.stdout or "#Thing is satisfiable" in result.stdout, result.stdout[
        -2000:
    ]
    _, _, unsat = result.stdout.partition("equivalent to")
    classes = sorted(set(re.findall(r"<([^>]+)>", unsat)) - {str(OWL.Nothing)})
    return True, classes


def test_release_with_org_and_prov_imported_is_consistent_and_coherent(tmp_path: Path) -> None:
    """The merge that was inconsistent in issue #15 (itops:Statement disjoint with prov:Entity)."""
    graph = _with_imports(merged_graph())
    assert (URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), OWL.propertyChainAxiom, None) in graph
    assert (URIRef("http://www.w3.org/ns/org#hasUnit"), RDFS.subPropertyOf, None) in graph
    consistent, unsatisfiable = _hermit(graph, tmp_path / "with-imports.nt")
    assert consistent, "HermiT: the release with ORG and PROV imported is inconsistent"
    assert unsatisfiable == [], f"HermiT: unsatisfiable classes: {unsatisfiable}"


def test_hermit_with_imports_detects_the_old_conflict(tmp_path: Path) -> None:
    """The check can fail: statements disjoint with prov:Entity again makes the merge inconsistent."""
    graph = _with_imports(merged_graph())
    graph.add((URIRef(ITOPS + "Statement"), OWL.disjointWith, PROV_ENTITY))
    consistent, _ = _hermit(graph, tmp_path / "conflict.nt")
    assert not consistent
