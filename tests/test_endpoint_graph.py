"""``itops validate --endpoint`` never gives a false all-clear for a mistyped ``--graph`` (issue #10).

An empty graph, or one that does not hold the itops ontology, is exit 2 with one line naming the
graph, before any rule is checked; on Oxigraph and on the update-at-query-URL proxy. Only 127.0.0.1
is contacted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from proxy import UpdateAtQueryProxy
from rdflib import Graph, Literal, URIRef
from test_endpoint import Oxigraph

from itops.cli import main
from itops.endpoint import Endpoint, EndpointGraphError, push


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ITOPS_ENDPOINT_USER", "ITOPS_ENDPOINT_PASSWORD", "ITOPS_ENDPOINT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    running = Oxigraph(tmp_path_factory.mktemp("graphs") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def unrelated(server: Oxigraph) -> str:
    """The name of a graph of the server holding five triples that are not itops data."""
    name = "https://example.org/not-itops"
    graph = Graph()
    for i in range(5):
        graph.add((URIRef(f"urn:x:s{i}"), URIRef("urn:x:p"), Literal(i)))
    push(graph, Endpoint(server.query_url, graph=name))
    return name


@pytest.mark.parametrize("front", ["oxigraph", "proxy"])
def test_validate_refuses_an_empty_or_unrelated_graph(
    capsys: pytest.CaptureFixture[str], server: Oxigraph, unrelated: str, front: str
) -> None:
    with UpdateAtQueryProxy(server.base) as proxy:
        url = server.query_url if front == "oxigraph" else proxy.url
        for graph, problem in (
            ("https://example.org/typo", "holds no triples"),
            (unrelated, "holds 5 triples but not the itops ontology"),
        ):
            code = main(["validate", "--endpoint", url, "--graph", graph])
            out, err = capsys.readouterr()
            assert code == 2 and out == "" and "Traceback" not in err, err
            assert len(err.strip().splitlines()) == 1
            assert f"graph <{graph}> at {url} {problem}" in err and "--graph" in err
            assert f"<{unrelated}>" in err or graph == unrelated  # the store's graphs are listed


def test_no_rule_is_checked_on_a_mistyped_graph(server: Oxigraph) -> None:
    from itops.validate import validate_endpoint

    with UpdateAtQueryProxy(server.base) as counting:
        with pytest.raises(EndpointGraphError) as failure:
            validate_endpoint(Endpoint(counting.url, graph="https://example.org/typo"))
        assert "https://example.org/typo" in str(failure.value)
        assert counting.actions() == ["query", "query", "query"]  # the count, the ontology, the graph names
