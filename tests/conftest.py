"""Shared fixtures: the bundled knowledge graph, loaded once per test session."""

from __future__ import annotations

import pytest

from rdflib import Graph

from itops.graph import KnowledgeGraph
from itops.resources import resource_files


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The bundled ontology and both documents (do not modify: shared by many tests)."""
    return KnowledgeGraph.bundled()


def fixture_base_graph() -> Graph:
    """The ontology (for subclass axioms) and the shared individuals, without the documents:
    what the shape fixtures are validated against."""
    graph = Graph()
    for folder in ("ontology", "data"):
        for file in resource_files(folder, ".ttl"):
            if folder == "ontology" or file.name == "shared.ttl":
                graph.parse(data=file.read_text(encoding="utf-8"), format="turtle")
    return graph


@pytest.fixture(scope="session")
def base_graph() -> Graph:
    """:func:`fixture_base_graph`, parsed once per session (copy it before adding to it)."""
    return fixture_base_graph()
