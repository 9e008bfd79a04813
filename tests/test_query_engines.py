"""Every named query gives the same rows (RDF terms), in the same order, on rdflib and on Oxigraph.

(tests/test_portability.py compares an Oxigraph server and Jena ARQ as well.)

rdflib binds parameters with initBindings; Oxigraph (like a remote endpoint) receives them as a
VALUES block. A query whose answer differs between the two is not portable (for example a
parameter used inside a subquery that does not project it, or an ORDER BY that leaves ties).
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from itops.graph import KnowledgeGraph
from itops.query import all_queries, with_values


def cases() -> list[tuple[str, dict[str, str]]]:
    out = []
    for query in all_queries():
        base = query.examples[0] if query.examples else {}
        out.append((query.name, dict(base)))
        if any(p.name == "document" for p in query.parameters):
            out.append((query.name, {**base, "document": "af-2013"}))
    return out


@pytest.mark.parametrize(("name", "params"), cases(), ids=lambda c: str(c))
def test_same_rows_on_rdflib_and_oxigraph(kg: KnowledgeGraph, name: str, params: dict[str, str]) -> None:
    a = kg.query(name, params, engine="rdflib")
    b = kg.query(name, params, engine="oxigraph")
    assert a.columns == b.columns
    assert a.rows == b.rows  # RDF terms (datatypes and languages included), in order


def test_values_block_escapes_terms() -> None:
    text = "# WHERE { in a comment\nSELECT ?s WHERE { ?s ?p ?text_param }"
    bound = with_values(text, {"text_param": Literal('"} ; DROP ALL ; {'), "x_param": URIRef("http://e.org/a")})
    assert bound.startswith("# WHERE { in a comment\nSELECT ?s WHERE { VALUES (?text_param ?x_param)")
    assert '"\\"} ; DROP ALL ; {"' in bound
