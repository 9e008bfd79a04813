"""The fast engine (shapes compiled to SPARQL on Oxigraph) gives exactly pySHACL's results."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from itops.cli import add_register_or_file, main
from itops.fastshacl import UnsupportedShape, compile_shapes, results_graph, run_checks
from itops.graph import KnowledgeGraph
from itops.validate import load_shapes, union_graph as union, validate, validate_graph

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIXTURES = Path(__file__).parent / "fixtures" / "shapes"


def result_keys(graph: Graph) -> set[tuple[str, str, str, str, str]]:
    """(focus, path, source shape, severity, value) of every result of a SHACL report graph."""
    keys = set()
    for r in graph.subjects(SH.focusNode, None):
        keys.add(tuple(str(graph.value(r, p)) for p in (SH.focusNode, SH.resultPath, SH.sourceShape,
                                                          SH.resultSeverity, SH.value)))
    return keys  # type: ignore[return-value]


def compare(data: Graph) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    shapes = load_shapes()
    reference = result_keys(validate_graph(data, shapes=shapes).results_graph)
    store = ox.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    fast = result_keys(results_graph(run_checks(store, compile_shapes(shapes))))
    return fast, reference


def test_identical_on_the_documents() -> None:
    fast, reference = compare(union(KnowledgeGraph.bundled()))
    assert fast == reference == set()


def test_identical_on_the_example_register() -> None:
    kg = KnowledgeGraph.bundled()
    add_register_or_file(kg, str(EXAMPLES / "register.csv"))
    fast, reference = compare(union(kg))
    assert len(reference) == 13
    assert fast == reference


def test_identical_on_a_synthetic_register_of_over_20k_triples(tmp_path: Path) -> None:
    register = tmp_path / "synthetic.nt"
    assert main(["synth", "--organisations", "1300", "--seed", "5", "--violation-rate", "0.15", "-o", str(register)]) == 0
    kg = KnowledgeGraph.bundled()
    add_register_or_file(kg, str(register))
    data = union(kg)
    assert len(data) > 20000
    fast, reference = compare(data)
    assert len(reference) > 150
    assert fast == reference


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.ttl")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_identical_on_every_shape_fixture(fixture: Path, base_graph: Graph) -> None:
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.parse(fixture, format="turtle")
    fast, reference = compare(data)
    assert fast == reference


def test_engine_choice_gives_the_same_report() -> None:
    kg = KnowledgeGraph.bundled()
    add_register_or_file(kg, str(EXAMPLES / "register.csv"))
    a = validate(kg, engine="pyshacl")
    b = validate(kg, engine="oxigraph")
    assert a.findings == b.findings


def test_unsupported_features_are_refused() -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 2 ] .
        """, format="turtle")
    with pytest.raises(UnsupportedShape):
        compile_shapes(shapes)
