"""Every statement in the data points at its document, a section of that document, and a verbatim passage."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from itops.graph import KnowledgeGraph
from itops.namespace import ID, ITOPS
from itops.query import instances_of

SOURCES = Path(__file__).resolve().parent.parent / "sources"
DOCUMENTS = {ID["af-2013"]: "armed-forces-2013.txt", ID["cp-2012"]: "primary-care-contractors-2012.txt"}


def normalise(text: str) -> str:
    """Undo the PDF extraction's markup: tags, entities, emphasis, bullets, runs of white space."""
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).replace("*", "").replace("\\\\_", "_")
    text = re.sub(r"^\s*[-•]\s+", " ", text, flags=re.M)
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(\d) (st|nd|rd|th)\b", r"\1\2", text).strip()


@pytest.fixture(scope="module")
def statements(kg: KnowledgeGraph) -> list[URIRef]:
    return sorted(instances_of(kg.graph, ITOPS.Statement), key=str)


def test_there_are_statements_from_both_documents(kg: KnowledgeGraph, statements: list[URIRef]) -> None:
    docs = {kg.graph.value(s, ITOPS.fromDocument) for s in statements}
    assert docs == set(DOCUMENTS)
    assert len(statements) > 250


def test_every_statement_cites_document_section_and_passage(kg: KnowledgeGraph, statements: list[URIRef]) -> None:
    g: Graph = kg.graph
    problems = []
    for s in statements:
        doc = g.value(s, ITOPS.fromDocument)
        section = g.value(s, ITOPS.fromSection)
        quotes = list(g.objects(s, ITOPS.quotes))
        if doc is None or section is None or len(quotes) != 1:
            problems.append(f"{s}: document={doc} section={section} quotes={len(quotes)}")
        elif g.value(section, ITOPS.inDocument) != doc:
            problems.append(f"{s}: section {section} is not in {doc}")
        elif (section, RDF.type, ITOPS.Section) not in g:
            problems.append(f"{s}: {section} is not a section")
    assert problems == []


def test_every_passage_is_verbatim_from_its_document(kg: KnowledgeGraph, statements: list[URIRef]) -> None:
    texts = {doc: normalise((SOURCES / name).read_text(encoding="utf-8")) for doc, name in DOCUMENTS.items()}
    missing = []
    for s in statements:
        doc = kg.graph.value(s, ITOPS.fromDocument)
        for quote in kg.graph.objects(s, ITOPS.quotes):
            for cell in str(quote).split(" | "):  # table rows quote their cells joined by " | "
                if normalise(cell) and normalise(cell) not in texts[doc]:
                    missing.append(f"{s}: {cell[:80]}")
    assert missing == []


def test_a_changed_passage_is_caught() -> None:
    text = normalise((SOURCES / DOCUMENTS[ID["af-2013"]]).read_text(encoding="utf-8"))
    assert normalise("Maintain and publish the National RBAC Database (NRD).") in text
    assert normalise("Maintain and publish the National RBAC Database (NRDS).") not in text
