"""itops.check: HermiT on the ontology, the documents and a user's registers; an inconsistency explained in words.

Internet connections are refused while these tests run (owlready2 is given local files only).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from itops.check import ReasonerError, check, check_graph, clashes
from itops.graph import KnowledgeGraph
from itops.namespace import ITOPS
from itops.register import ODS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"test_check: network access refused ({address!r})")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


def test_example_register_is_consistent() -> None:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(ROOT / "examples" / "register.csv"))
    result = check(kg)
    assert result.consistent and result.clashes == ()
    assert result.explanation()[0].startswith("Consistent:")


def test_a_supplier_recorded_as_a_standard_is_inconsistent_and_explained(tmp_path: Path) -> None:
    """A register that names an organisation where a standard belongs (complies_with = a supplier) puts the
    supplier in two disjoint classes: a party (it is an organisation) and a standard (the range of compliesWith)."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix itops: <https://w3id.org/itops#> .\n@prefix ods: <https://w3id.org/itops/ods/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ods:FAA09 a itops:CommunityPharmacy ; rdfs:label "Mixed-up Pharmacy" ; itops:odsCode "FAA09" ; itops:compliesWith ods:YGM09 .\n'
        'ods:YGM09 a itops:LocalITSupplier ; rdfs:label "Some IT Ltd" ; itops:odsCode "YGM09" .\n',
        encoding="utf-8",
    )
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(bad))
    result = check(kg)
    assert not result.consistent
    [clash] = result.clashes
    assert clash.individual == str(ODS["YGM09"]) and {clash.first, clash.second} == {"party", "standard"}
    words = " ".join(result.explanation())
    assert "Some IT Ltd" in words and "Mixed-up Pharmacy names it as its complies with" in words


def test_clashes_finds_nothing_on_the_bundled_data(kg: KnowledgeGraph) -> None:
    assert clashes(kg.union()) == []


def test_a_missing_java_is_a_failure_to_check_not_a_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    graph = Graph()
    graph.add((URIRef("https://example.org/x"), RDF.type, ITOPS.Party))
    graph.add((URIRef("https://example.org/x"), RDFS.label, Literal("x")))
    with pytest.raises(ReasonerError, match="needs Java"):
        check_graph(graph)
