"""The ontology's own hygiene: every term labelled, defined and declared; the Python namespace in step."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from itops.graph import KnowledgeGraph
from itops.namespace import ITOPS, ONTOLOGY_IRI
from itops.resources import resource_files

NS = "https://w3id.org/itops#"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def ontology() -> Graph:
    g = Graph()
    for file in resource_files("ontology", ".ttl"):
        g.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return g


def declared_terms(g: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}


def test_header_has_the_required_metadata() -> None:
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    for prop in ("title", "description", "license", "creator", "created"):
        assert g.value(ONTOLOGY_IRI, URIRef("http://purl.org/dc/terms/" + prop)) is not None, prop
    # the version is written in one place, itops.__version__; the release stamps it on the header
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) is None and g.value(ONTOLOGY_IRI, OWL.versionInfo) is None
    from itops import __version__
    from itops.release import ontology_graph

    released = ontology_graph()
    assert released.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"https://w3id.org/itops/{__version__}")
    assert released.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(__version__)


def test_every_term_has_label_definition_and_is_defined_by() -> None:
    g = ontology()
    problems = []
    for term in sorted(declared_terms(g)):
        if str(term).startswith(NS) or (term, RDFS.isDefinedBy, None) in g:
            if g.value(term, RDFS.label) is None:
                problems.append(f"{term}: no rdfs:label")
            if g.value(term, SKOS.definition) is None:
                problems.append(f"{term}: no skos:definition")
            if g.value(term, RDFS.isDefinedBy) is None:
                problems.append(f"{term}: no rdfs:isDefinedBy")
    assert problems == []


def test_every_itops_term_used_anywhere_is_declared(kg: KnowledgeGraph) -> None:
    declared = declared_terms(ontology())
    used = {t for triple in kg.graph for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert used - declared == set()


def test_every_individual_used_is_typed(kg: KnowledgeGraph) -> None:
    ids = "https://w3id.org/itops/id/"
    used = {t for triple in kg.graph for t in triple if isinstance(t, URIRef) and str(t).startswith(ids)}
    untyped = {u for u in used if (u, RDF.type, None) not in kg.graph}
    assert untyped == set()


def test_every_individual_has_a_label(kg: KnowledgeGraph) -> None:
    """Statements too (issue #15): tests/test_labels.py checks how their labels are built."""
    g = kg.graph
    unnamed = [
        s
        for s in set(g.subjects(RDF.type, None))
        if str(s).startswith("https://w3id.org/itops/id/") and g.value(s, RDFS.label) is None
    ]
    assert unnamed == []


def test_python_namespace_matches_the_ontology() -> None:
    in_ontology = {str(t)[len(NS) :] for t in declared_terms(ontology()) if str(t).startswith(NS)}
    in_python = set(ITOPS.__annotations__)
    assert in_python == in_ontology


def test_closed_namespace_rejects_typos() -> None:
    import pytest

    with pytest.raises(AttributeError):
        ITOPS.hasComissioner  # noqa: B018 - the typo is the point
