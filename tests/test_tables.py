"""The documents' tables, rebuilt from the graph by the named queries, against golden CSVs.

The golden files in ``tests/golden/`` were transcribed from the documents' text independently of
the Turtle data (party cells written as the parties' labels); they are never regenerated from
the code's output.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from itops.graph import KnowledgeGraph
from itops.namespace import ID

GOLDEN = Path(__file__).parent / "golden"

# query name -> (golden file, {golden column: query column})
TABLES = {
    "commissioning": (
        "commissioning.csv",
        {
            "document": "document",
            "row": "row",
            "commissioner": "commissioner",
            "via": "via",
            "service": "service",
            "provider": "provider",
            "cohort": "cohort",
        },
    ),
    "accountability": (
        "accountability.csv",
        {
            "document": "document",
            "row": "row",
            "body": "body",
            "via": "via",
            "management": "management",
            "service": "service",
            "delivery": "delivery",
        },
    ),
    "responsibilities": (
        "responsibilities.csv",
        {
            "document": "document",
            "function": "function",
            "party": "party",
            "number": "number",
            "statement": "responsibility",
        },
    ),
    "glossary": ("glossary.csv", {"document": "document", "term": "term", "acronym": "acronym"}),
    "scope": ("scope.csv", {"document": "document", "item": "item", "title": "title", "description": "description"}),
    "references": ("references.csv", {"document": "document", "title": "title", "date": "date", "url": "url"}),
}


def golden_rows(filename: str) -> list[tuple[str, ...]]:
    with open(GOLDEN / filename, newline="", encoding="utf-8") as handle:
        return sorted(tuple(row.values()) for row in csv.DictReader(handle))


def query_rows(kg: KnowledgeGraph, name: str) -> list[tuple[str, ...]]:
    filename, mapping = TABLES[name]
    result = kg.query(name)
    rows = []
    for row in result.as_dicts():
        if name == "scope" and not row["item"][0].isdigit():
            continue  # prose scope statements (P.1, S.1 ...) are not rows of the printed table
        rows.append(tuple(row[mapping[c]] for c in mapping))
    return sorted(rows)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_query_rebuilds_document_table(kg: KnowledgeGraph, name: str) -> None:
    expected = golden_rows(TABLES[name][0])
    actual = query_rows(kg, name)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, f"missing from graph: {missing}\nnot in document: {extra}"
    assert len(actual) == len(expected)


def test_counts_per_document(kg: KnowledgeGraph) -> None:
    counts = {d.document: d for d in kg.info().documents}
    af, cp = counts["af-2013"], counts["cp-2012"]
    assert (af.commissioning_rows, af.accountability_rows, af.matrix_cells, af.matrix_statements) == (12, 12, 30, 56)
    assert (cp.commissioning_rows, cp.accountability_rows, cp.matrix_cells, cp.matrix_statements) == (8, 17, 35, 42)
    assert (af.glossary_terms, cp.glossary_terms) == (20, 11)
    assert (af.references, cp.references) == (5, 6)


@pytest.mark.parametrize(
    ("name", "victim"),
    [
        ("commissioning", ID["af-2013-com-09"]),
        ("accountability", ID["cp-2012-acc-13"]),
        ("responsibilities", ID["cp-2012-rsp-ra-pcc-2"]),
        ("glossary", ID["af-2013-gl-14"]),
    ],
)
def test_removing_a_row_from_the_data_is_detected(name: str, victim: URIRef) -> None:
    kg = KnowledgeGraph.bundled()
    for quad in list(kg.store.quads_for_pattern(ox.NamedNode(str(victim)), None, None, None)):
        kg.store.remove(quad)  # queries run on the store
    actual = query_rows(kg, name)
    expected = golden_rows(TABLES[name][0])
    assert len(actual) == len(expected) - 1
    assert set(actual) != set(expected)
