"""Labels: SKOS label integrity, every individual named, and no two terms sharing a label.

SKOS (Reference, S13-S14) allows a resource at most one skos:prefLabel per language tag, and
makes skos:prefLabel, skos:altLabel and skos:hiddenLabel pairwise disjoint. itops adds: every
individual has an rdfs:label (a statement's is built from its document, section and row or
number), and no two terms, classes, properties or individuals, share a label in one language,
so that a label names one thing in queries, parameters and documentation.

Each check is a function over a graph, tested on the bundled ontology and data and on a small
graph made to break it (so the check can fail).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from itops.resources import resource_files

ID = "https://w3id.org/itops/id/"
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel)
SKOS_LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def bundled() -> Graph:
    """The ontology and every data file, as written (no inference)."""
    graph = Graph()
    for folder in ("ontology", "data"):
        for file in resource_files(folder, ".ttl"):
            graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


def several_pref_labels(graph: Graph) -> list[str]:
    """Resources with more than one skos:prefLabel in one language."""
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, o in graph.subject_objects(SKOS.prefLabel):
        if isinstance(o, Literal):
            seen[(str(s), o.language or "")].append(str(o))
    return sorted(f"{s} @{lang}: {sorted(labels)}" for (s, lang), labels in seen.items() if len(labels) > 1)


def overlapping_skos_labels(graph: Graph) -> list[str]:
    """Resources giving one string as two of skos:prefLabel, altLabel and hiddenLabel."""
    found = []
    for i, first in enumerate(SKOS_LABELS):
        for second in SKOS_LABELS[i + 1 :]:
            for s, o in graph.subject_objects(first):
                if (s, second, o) in graph:
                    found.append(f"{s}: {o!r} is both {first.n3()} and {second.n3()}")
    return sorted(found)


def unlabelled_individuals(graph: Graph) -> list[str]:
    """Typed resources under the itops id/ namespace with no rdfs:label."""
    return sorted(
        str(s)
        for s in set(graph.subjects(RDF.type, None))
        if str(s).startswith(ID) and graph.value(s, RDFS.label) is None
    )


def shared_labels(graph: Graph) -> dict[str, list[str]]:
    """Labels (rdfs:label or skos:prefLabel, compared without case, per language) of two terms."""
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for prop in NAME_PROPERTIES:
        for s, o in graph.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, Literal):
                owners[(str(o).casefold(), o.language or "")].add(str(s))
    return {f"{text} @{lang}": sorted(s) for (text, lang), s in owners.items() if len(s) > 1}


def test_one_pref_label_per_language(bundled: Graph) -> None:
    assert several_pref_labels(bundled) == []


def test_pref_alt_and_hidden_labels_are_disjoint(bundled: Graph) -> None:
    assert overlapping_skos_labels(bundled) == []


def test_every_individual_is_labelled(bundled: Graph) -> None:
    individuals = {s for s in bundled.subjects(RDF.type, None) if str(s).startswith(ID)}
    assert len(individuals) > 600  # the statements, parties, services... are all there
    assert unlabelled_individuals(bundled) == []


def test_no_two_terms_share_a_label(bundled: Graph) -> None:
    assert shared_labels(bundled) == {}


def test_class_and_property_of_one_name_are_told_apart(bundled: Graph) -> None:
    """The issue's example: the class and the property 'IGT status'."""
    itops = "https://w3id.org/itops#"
    assert bundled.value(URIRef(itops + "IGTStatus"), RDFS.label) == Literal("IGT status", lang="en")
    assert bundled.value(URIRef(itops + "igtStatus"), RDFS.label) == Literal("has IGT status", lang="en")


@pytest.mark.parametrize(
    ("individual", "label"),
    [  # written from the documents' sections and numbering, not from the code
        ("af-2013-com-09", "AF 2013 §04 Commissioning responsibilities, commissioning arrangement row 9"),
        ("cp-2012-acc-13", "CP 2012 §05 Accountability – who holds who to account, accountability arrangement row 13"),
        ("af-2013-rsp-ra-ccg-2", "AF 2013 §05 Tasks and functions: Registration Authority, CCGs, statement 2"),
        (
            "cp-2012-scope-3-1-2",
            "CP 2012 §04 Business Support Systems and services that are out of scope of these arrangements, item 3.1.2",
        ),
        ("af-2013-gl-14", "AF 2013 §01 Glossary of terms, glossary entry row 14"),
    ],
)
def test_statement_labels_name_document_section_and_number(bundled: Graph, individual: str, label: str) -> None:
    assert bundled.value(URIRef(ID + individual), RDFS.label) == Literal(label, lang="en")


# The statements the documents' text, tables and matrices give (readings and obligations,
# which have labels of their own kind, are left out).
DOCUMENT_STATEMENTS = (
    "CommissioningArrangement",
    "CommissioningStatement",
    "ProvisionStatement",
    "AccountabilityArrangement",
    "Responsibility",
    "MatrixResponsibility",
    "EscalationRoute",
    "ApprovalRoute",
    "StandardRequirement",
    "FundingStatement",
    "ScopeItem",
    "GlossaryEntry",
    "ReferenceEntry",
)


def test_statement_labels_start_with_their_section(bundled: Graph) -> None:
    itops = "https://w3id.org/itops#"
    checked = 0
    for kind in DOCUMENT_STATEMENTS:
        for s in bundled.subjects(RDF.type, URIRef(itops + kind)):
            section = bundled.value(s, URIRef(itops + "fromSection"))
            label, section_label = bundled.value(s, RDFS.label), bundled.value(section, RDFS.label)
            assert section_label is not None and str(label).startswith(str(section_label)), s
            checked += 1
    assert checked > 300


def test_checks_find_broken_labels() -> None:
    """The checks can fail: a small graph breaking every rule is reported in full."""
    graph = Graph().parse(
        data="""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix id: <https://w3id.org/itops/id/> .
        @prefix ex: <https://example.org/> .
        id:a a owl:NamedIndividual ; rdfs:label "A"@en ;
            skos:prefLabel "Alpha"@en , "Alfa"@en , "Alpha"@fr ; skos:altLabel "Alpha"@en .
        id:b a owl:NamedIndividual ; skos:prefLabel "B"@en ; skos:hiddenLabel "B"@en .
        id:c a owl:NamedIndividual .
        ex:Thing a owl:Class ; rdfs:label "thing"@en .
        ex:thing a owl:ObjectProperty ; rdfs:label "Thing"@en .
        """,
        format="turtle",
    )
    assert several_pref_labels(graph) == [f"{ID}a @en: ['Alfa', 'Alpha']"]
    assert len(overlapping_skos_labels(graph)) == 2
    assert unlabelled_individuals(graph) == [f"{ID}b", f"{ID}c"]
    assert shared_labels(graph) == {"thing @en": ["https://example.org/Thing", "https://example.org/thing"]}
