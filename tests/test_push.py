"""``itops push`` finds its way on different SPARQL servers, and ``validate --endpoint`` never gives a false all-clear.

Two fronts, each with default arguments (only ``--endpoint``):

* ``oxigraph serve``: SPARQL Update at ``/update`` (guessed), Graph Store Protocol at ``/store``;
* :class:`proxy.UpdateAtQueryProxy` in front of another ``oxigraph serve``: SPARQL Update only at the
  query URL, no Graph Store, blank nodes refused in ``INSERT DATA``.

Also: a server killed in the middle of a push leaves the target graph as it was; a MOVE whose answer
comes after the timeout is verified by reading the counts; an empty or unrelated ``--graph`` is
refused before any rule is checked. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from proxy import BLANK_NODE_REFUSAL, UpdateAtQueryProxy, has_blank_node_in_data
from rdflib import BNode, Graph, Literal, URIRef
from test_endpoint import Oxigraph

from itops.cli import main
from itops.endpoint import (
    DEFAULT_GRAPH,
    SKOLEM_PATH,
    TEMPORARY_GRAPH_PREFIX,
    Endpoint,
    default_store_url,
    find_update_service,
    push,
    skolemise,
)
from itops.errors import EndpointError
from itops.graph import KnowledgeGraph

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_REGISTER = ROOT / "examples" / "register.csv"
EXAMPLE_BREAKS = ROOT / "examples" / "register-breaks.csv"


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ITOPS_ENDPOINT_USER", "ITOPS_ENDPOINT_PASSWORD", "ITOPS_ENDPOINT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """An Oxigraph server (in memory) used directly."""
    running = Oxigraph(tmp_path_factory.mktemp("direct") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """An Oxigraph server (in memory) reached only through proxies."""
    running = Oxigraph(tmp_path_factory.mktemp("proxied") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def proxy(behind_proxy: Oxigraph) -> Iterator[UpdateAtQueryProxy]:
    """The update-at-query-URL proxy (no service description) in front of ``behind_proxy``."""
    with UpdateAtQueryProxy(behind_proxy.base) as running:
        yield running


def front_url(request: pytest.FixtureRequest, front: str) -> str:
    if front == "oxigraph":
        server: Oxigraph = request.getfixturevalue("oxigraph")
        return server.query_url
    proxied: UpdateAtQueryProxy = request.getfixturevalue("proxy")
    return proxied.url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def leftovers(url: str) -> list[str]:
    return [g for g in Endpoint(url).graphs() if g.startswith(TEMPORARY_GRAPH_PREFIX)]


def findings(out: str) -> set[tuple[str, str, str]]:
    return {(f["ods_code"], f["shape"], f["severity"]) for f in json.loads(out)["findings"]}


def numbered(count: int, prefix: str = "old") -> Graph:
    graph = Graph()
    for i in range(count):
        graph.add((URIRef(f"urn:x:{prefix}{i:04d}"), URIRef("urn:x:p"), Literal(f"{prefix} value {i}")))
    return graph


# ------------------------------------------------------------------------------------ the proxy itself


def test_the_proxy_refuses_blank_nodes_in_insert_data_and_has_no_update_or_store(proxy: UpdateAtQueryProxy) -> None:
    assert has_blank_node_in_data("INSERT DATA { GRAPH <urn:g> { _:a <urn:p> 1 } }")
    assert has_blank_node_in_data("insert data { [] <urn:p> 1 }")
    assert not has_blank_node_in_data('INSERT DATA { <urn:a> <urn:p> "_:x [1]" , <urn:_:b> }')
    assert not has_blank_node_in_data("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o . FILTER(isBlank(?s)) }")
    update = b"INSERT DATA { GRAPH <urn:itops:test:bnode> { _:a <urn:x:p> 'x' } }"
    request = urllib.request.Request(
        proxy.url, data=update, method="POST", headers={"Content-Type": "application/sparql-update"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400 and BLANK_NODE_REFUSAL in refused.value.read()
    for path in ("/update", "/store"):
        request = urllib.request.Request(
            proxy.base + path,
            data=b"DROP SILENT GRAPH <urn:x>",
            method="POST",
            headers={"Content-Type": "application/sparql-update"},
        )
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(request, timeout=10)
        assert missing.value.code == 404
    assert Endpoint(proxy.url).count("urn:itops:test:bnode") == 0


# ------------------------------------------------------------------------------------ default arguments


@pytest.mark.parametrize("front", ["oxigraph", "proxy"])
def test_push_then_validate_with_default_arguments(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest, front: str
) -> None:
    url = front_url(request, front)
    seen_before = len(request.getfixturevalue("proxy").log) if front == "proxy" else 0
    code, out, err = run(capsys, "push", "--endpoint", url, str(EXAMPLE_REGISTER))
    assert code == 0, err
    expected = len(_with_register().union())
    lines = out.strip().splitlines()
    assert len(lines) == 1, out  # one line: what was pushed, how, and where
    base = url.rsplit("/", 1)[0]
    if front == "oxigraph":
        assert (
            f"Graph Store Protocol PUT to {base}/store, then SPARQL Update MOVE at {base}/update "
            "(guessed from the query URL)" in lines[0]
        )
    else:
        assert re.search(
            rf"SPARQL Update INSERT DATA in \d+ requests? to {re.escape(url)}, "
            rf"then SPARQL Update MOVE at {re.escape(url)} \(the query URL itself\)",
            lines[0],
        ), lines[0]
        proxied: UpdateAtQueryProxy = request.getfixturevalue("proxy")
        assert "refused blank node" not in proxied.actions()[seen_before:]
    assert f"pushed {expected} triples to graph <{DEFAULT_GRAPH}> at {url}" in lines[0]
    assert Endpoint(url).count(DEFAULT_GRAPH) == expected
    assert leftovers(url) == []

    code, out, err = run(capsys, "validate", "--endpoint", url, "--format", "json")
    assert code == 1, err
    remote = findings(out)
    code, out, err = run(capsys, "validate", str(EXAMPLE_REGISTER), "--format", "json")
    assert code == 1, err
    assert remote == findings(out)
    # every deliberate break of the example register (examples/register-breaks.csv) is found
    breaks = {line.split(",")[0] for line in EXAMPLE_BREAKS.read_text(encoding="utf-8").splitlines()[1:] if line}
    assert breaks and breaks <= {code for code, _, _ in remote}


def _with_register() -> KnowledgeGraph:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLE_REGISTER))
    return kg


def test_service_description_names_the_update_url(capsys: pytest.CaptureFixture[str], behind_proxy: Oxigraph) -> None:
    graph = "https://w3id.org/itops/graph/test-described"
    with UpdateAtQueryProxy(behind_proxy.base, describe=True) as described:
        code, out, err = run(capsys, "push", "--endpoint", described.url, "--graph", graph)
        assert code == 0, err
        assert f"SPARQL Update MOVE at {described.url} (found in the service description)" in out
        assert not any(seen.path == "/update" for seen in described.log)  # no guess was needed
        assert [seen.action for seen in described.log][:3] == ["query", "description", "update"]


def test_service_description_on_another_host_is_not_followed(behind_proxy: Oxigraph) -> None:
    from rdflib import Namespace

    from itops.endpoint import _described_update_urls

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    description = Graph()
    for name, url in (("here", "http://127.0.0.1:7878/up"), ("there", "http://203.0.113.9/update")):
        service = URIRef(f"urn:x:{name}")
        description.add((service, sd.endpoint, URIRef(url)))
        description.add((service, sd.supportedLanguage, sd.SPARQL11Update))
    assert _described_update_urls(description, "http://127.0.0.1:7878/query") == ["http://127.0.0.1:7878/up"]


def test_blank_nodes_travel_as_skolem_iris_in_sparql_text(proxy: UpdateAtQueryProxy) -> None:
    target = "https://w3id.org/itops/graph/test-skolem"
    graph = numbered(30)
    a, b = BNode(), BNode()
    graph.add((a, URIRef("urn:x:knows"), b))
    graph.add((b, URIRef("urn:x:name"), Literal("b")))
    graph.add((a, URIRef("urn:x:name"), Literal("a")))
    endpoint = Endpoint(proxy.url, graph=target)
    seen_before = len(proxy.log)
    # small requests: the three triples with blank nodes cannot all travel together
    result = push(graph, endpoint, store_url=default_store_url(proxy.url), chunk_bytes=150)
    assert (
        result.method.startswith("SPARQL Update INSERT DATA in")
        and result.method != "SPARQL Update INSERT DATA in 1 request"
    )
    assert "refused blank node" not in proxy.actions()[seen_before:]
    rows = (
        Endpoint(proxy.url, graph=target)
        .select("SELECT ?a ?b WHERE { ?a <urn:x:knows> ?b ; <urn:x:name> 'a' . ?b <urn:x:name> 'b' }")
        .rows
    )
    assert len(rows) == 1  # still one node each, across requests
    for term in rows[0]:
        assert isinstance(term, URIRef) and str(term).startswith(proxy.base + SKOLEM_PATH)
    assert endpoint.count(target) == len(graph)


def test_skolemise_rewrites_blank_nodes_only_where_n_triples_puts_them() -> None:
    base = "http://127.0.0.1:1/.well-known/genid/t-"
    lines = [
        "_:a <urn:x:p> _:b .",
        '_:b <urn:x:p> "looks like _:a ." .',
        '<urn:x:s> <urn:x:p> "_:a"@en .',
        "<urn:x:s> <urn:x:q> _:a .",
    ]
    assert skolemise(lines, base) == [
        f"<{base}1> <urn:x:p> <{base}2> .",
        f'<{base}2> <urn:x:p> "looks like _:a ." .',
        '<urn:x:s> <urn:x:p> "_:a"@en .',
        f"<{base}1> ".join(["<urn:x:s> <urn:x:q> ", "."]),
    ]


def test_blank_nodes_stay_blank_through_the_graph_store(oxigraph: Oxigraph) -> None:
    target = "https://w3id.org/itops/graph/test-gsp-bnodes"
    graph = numbered(30)
    a = BNode()
    graph.add((a, URIRef("urn:x:name"), Literal("a")))
    graph.add((URIRef("urn:x:s"), URIRef("urn:x:has"), a))
    endpoint = Endpoint(oxigraph.query_url, graph=target)
    # tiny Graph Store requests: one PUT, then POSTs; the blank node's triples go together in the first
    result = push(graph, endpoint, store_url=oxigraph.base + "/store", store_chunk_bytes=200)
    assert result.method.startswith("Graph Store Protocol PUT and ")
    rows = endpoint.select("SELECT ?a WHERE { <urn:x:s> <urn:x:has> ?a . ?a <urn:x:name> 'a' }").rows
    assert len(rows) == 1 and isinstance(rows[0][0], BNode)


def test_updates_taken_only_as_a_form(capsys: pytest.CaptureFixture[str], behind_proxy: Oxigraph) -> None:
    graph = "https://w3id.org/itops/graph/test-form"
    with UpdateAtQueryProxy(behind_proxy.base, direct_updates=False) as form_only:
        code, out, err = run(capsys, "push", "--endpoint", form_only.url, "--graph", graph)
        assert code == 0, err
        assert f"SPARQL Update MOVE at {form_only.url} (the query URL itself)" in out
        actions = form_only.actions()
        assert "unsupported media type" in actions and "move as a form" in actions
        assert "update as a form" in actions and "update" not in actions
        assert Endpoint(form_only.url, graph=graph).count(graph) == len(KnowledgeGraph.bundled().union())


# ------------------------------------------------------------------------------------ no way in


def test_no_update_url_found_sends_nothing(capsys: pytest.CaptureFixture[str], behind_proxy: Oxigraph) -> None:
    with UpdateAtQueryProxy(behind_proxy.base, updates=False) as read_only:
        code, out, err = run(capsys, "push", "--endpoint", read_only.url)
        assert code == 2 and out == "" and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert "found no URL that takes SPARQL Update" in err
        assert f"{read_only.base}/update answered HTTP 404" in err and f"{read_only.url} answered HTTP 405" in err
        assert "--update URL" in err and "nothing was sent" in err and "is unchanged" in err
        probes = [seen for seen in read_only.log if seen.method == "POST" and seen.action != "query"]
        assert 1 <= len(probes) <= 8
        assert not any(seen.method == "PUT" for seen in read_only.log)  # no upload was tried


def test_a_wrong_update_url_given_is_not_second_guessed(proxy: UpdateAtQueryProxy) -> None:
    with pytest.raises(EndpointError) as failure:
        find_update_service(Endpoint(proxy.url), update_url=proxy.base + "/update")
    assert f"{proxy.base}/update answered HTTP 404" in str(failure.value) and "--update" in str(failure.value)
    assert find_update_service(Endpoint(proxy.url), update_url=proxy.url).url == proxy.url


# ------------------------------------------------------------------------------------ failures


@pytest.mark.parametrize("protocol", ["graph store", "sparql update"])
def test_server_killed_mid_push_leaves_the_target_unchanged(tmp_path: Path, protocol: str) -> None:
    store = tmp_path / "store"
    server = Oxigraph(tmp_path / "first.log", store)
    target = "https://w3id.org/itops/graph/test-killed"
    try:
        old = numbered(40)
        push(old, Endpoint(server.query_url, graph=target))
        assert Endpoint(server.query_url, graph=target).count(target) == 40

        def kill_after_second_request(message: str) -> None:
            if " request 2 of " in message:
                server.process.kill()
                server.process.wait(timeout=10)

        new = numbered(400, prefix="new")
        options = (
            {"store_url": server.base + "/store", "store_chunk_bytes": 2000}
            if protocol == "graph store"
            else {"store_url": None, "chunk_bytes": 2000}
        )
        with pytest.raises(EndpointError) as failure:
            push(new, Endpoint(server.query_url, graph=target), progress=kill_after_second_request, **options)
        message = str(failure.value)
        assert "cannot reach" in message and f"graph <{target}>" in message and "is unchanged" in message
        assert "may remain" in message and "DROP SILENT GRAPH <urn:itops:push:" in message
    finally:
        server.stop()
    restarted = Oxigraph(tmp_path / "second.log", store)
    try:
        endpoint = Endpoint(restarted.query_url, graph=target)
        assert endpoint.count(target) == 40
        rows = endpoint.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1").rows
        assert rows[0][0] == URIRef("urn:x:old0000")
    finally:
        restarted.stop()


def test_a_move_answered_after_the_timeout_is_verified_by_the_counts(behind_proxy: Oxigraph) -> None:
    target = "https://w3id.org/itops/graph/test-slow-move"
    with UpdateAtQueryProxy(behind_proxy.base, move_delay=6) as slow:
        endpoint = Endpoint(slow.url, graph=target, timeout=1)
        push(numbered(10), endpoint)
        messages: list[str] = []
        result = push(numbered(50, prefix="new"), endpoint, progress=messages.append)
        assert result.triples == 50 and result.replaced == 10
        assert any("no answer from" in m for m in messages) and "the MOVE was done" in messages
        assert endpoint.count(target) == 50
        assert leftovers(slow.url) == []


def test_a_move_that_never_happens_is_reported_as_uncertain_after_reading_the_counts(behind_proxy: Oxigraph) -> None:
    target = "https://w3id.org/itops/graph/test-lost-move"
    push(numbered(10), Endpoint(behind_proxy.query_url, graph=target))
    with UpdateAtQueryProxy(behind_proxy.base, swallow_moves=True) as lost:
        endpoint = Endpoint(lost.url, graph=target, timeout=1)
        with pytest.raises(EndpointError) as failure:
            push(numbered(50, prefix="new"), endpoint)
        message = str(failure.value)
        assert "no answer from" in message and "may or may not have replaced" in message
        assert "it held 10 triples and the temporary graph 50" in message
        assert lost.actions().count("query") >= 4  # the counts were read again before reporting
        assert endpoint.count(target) == 10
        assert leftovers(lost.url) == []  # the temporary graph was dropped


def test_sigterm_mid_push_drops_the_temporary_graph(tmp_path: Path, behind_proxy: Oxigraph) -> None:
    target = "https://w3id.org/itops/graph/test-sigterm"
    push(numbered(10), Endpoint(behind_proxy.query_url, graph=target))
    big = tmp_path / "big.nt"  # about 3 MB: several INSERT DATA requests of at most 1 MB
    big.write_text("".join(f'<urn:x:s{i}> <urn:x:p> "{"value " * 10}{i}" .\n' for i in range(40_000)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITOPS_ENDPOINT_")}
    with UpdateAtQueryProxy(behind_proxy.base, update_delay=1.0) as slow:
        command = [sys.executable, "-m", "itops", "push", "--endpoint", slow.url, "--graph", target, str(big)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        try:
            deadline = time.monotonic() + 120
            # the probe, then the first INSERT DATA, done by Oxigraph: its answer is on its way, nothing is in flight
            while slow.actions().count("done upstream") < 2:
                assert process.poll() is None and time.monotonic() < deadline, process.communicate()
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 2 and out == "" and "Traceback" not in err, err
        assert "move" not in slow.actions()
        assert "interrupted" in err or "terminated" in err.lower(), err
    assert Endpoint(behind_proxy.query_url, graph=target).count(target) == 10
    assert leftovers(behind_proxy.query_url) == []
