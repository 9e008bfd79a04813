"""Every bundled Turtle file is valid Turtle to a strict parser, not only to rdflib's lenient one.

rdflib accepts some text that RDF 1.1 Turtle forbids (a line break inside a short string); Jena,
Oxigraph and the OWL API refuse it, so a file that only rdflib reads would break every other tool.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parent.parent
TURTLE = sorted(p for folder in ("ontology", "data", "shapes", "examples") for p in (ROOT / folder).glob("*.ttl"))


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_turtle_is_valid_to_a_strict_parser(path: Path) -> None:
    try:
        triples = sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
    except SyntaxError as err:
        pytest.fail(f"{path.relative_to(ROOT)}: {err}", pytrace=False)
    assert triples > 0


def test_every_folder_is_covered() -> None:
    assert {p.parent.name for p in TURTLE} == {"ontology", "data", "shapes", "examples"}
