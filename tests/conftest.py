"""Shared fixtures: the bundled knowledge graph, loaded once per test session."""

from __future__ import annotations

import pytest

from itops.graph import KnowledgeGraph


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The bundled ontology and both documents (do not modify: shared by many tests)."""
    return KnowledgeGraph.bundled()
