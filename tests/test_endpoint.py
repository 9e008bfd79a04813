"""itops against a real SPARQL 1.1 server: Oxigraph (``oxigraph serve``) on 127.0.0.1.

* every named query answers the same rows embedded (rdflib) and on the server after ``itops push``;
* a push replaces the graph atomically: never duplicated, never half-loaded, no temporary graph left;
* a dead, silent, misaddressed or credential-demanding server gives a clear message and exit 2;
* parameters are bound as RDF terms: SPARQL syntax in them changes nothing and finds nothing.

Only 127.0.0.1 is contacted. The servers this module starts are stopped at its end.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from itops.cli import main
from itops.endpoint import (
    DEFAULT_GRAPH,
    TEMPORARY_GRAPH_PREFIX,
    Endpoint,
    push,
    query_endpoint,
)
from itops.errors import EndpointError, ParameterError
from itops.graph import KnowledgeGraph
from itops.query import NamedQuery, QueryResult, all_queries, load_query

# ------------------------------------------------------------------------------------ servers


def _oxigraph_executable() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).is_file():
        pytest.fail(
            "the 'oxigraph' executable is missing: install the test extra (pip install 'itops[test]', "
            "which pins oxigraph==0.5.13) into the environment that runs pytest"
        )
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Oxigraph:
    """An ``oxigraph serve`` process on 127.0.0.1, started and waited for, stopped on request."""

    def __init__(self, log: Path, location: Path | None = None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url = self.base + "/query"
        command = [_oxigraph_executable(), "serve", "--bind", f"127.0.0.1:{self.port}"]
        if location is not None:
            command += ["--location", str(location)]
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(command, stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                self._log_file.close()
                pytest.fail(f"oxigraph serve exited with {self.process.returncode}: {log.read_text(errors='replace')}")
            try:
                ask = urllib.parse.urlencode({"query": "ASK {}"})
                with urllib.request.urlopen(f"{self.query_url}?{ask}", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"oxigraph serve did not answer on {self.base} within 20 s: {log.read_text(errors='replace')}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """One Oxigraph server with on-disk storage for the whole module."""
    folder = tmp_path_factory.mktemp("oxigraph")
    running = Oxigraph(folder / "server.log", folder / "store")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ITOPS_ENDPOINT_USER", "ITOPS_ENDPOINT_PASSWORD", "ITOPS_ENDPOINT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def pushed(server: Oxigraph) -> str:
    """The server's query URL after ``itops push`` of the ontology and both documents into the default graph."""
    assert main(["push", "--endpoint", server.query_url]) == 0
    return server.query_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def total_triples(url: str) -> int:
    result = Endpoint(url).select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", in_graph=False)
    return int(str(result.rows[0][0]))


def leftover_temporary_graphs(url: str) -> list[str]:
    return [g for g in Endpoint(url).graphs() if g.startswith(TEMPORARY_GRAPH_PREFIX)]


# ------------------------------------------------------------------------------------ same rows

#: Parameter sets beyond each query's own examples: names, acronyms, categories, strings, two at once.
PARAMETER_CASES: list[tuple[str, dict[str, str]]] = [
    ("commissioning", {"commissioner": "MoD"}),
    ("commissioning", {"provider": "community pharmacies", "document": "cp-2012"}),
    ("commissioning", {"service": "registration authority service"}),
    ("accountability", {"delivery": "DMS", "document": "af-2013"}),
    ("responsibilities", {"function": "Registration Authority", "party": "HSCIC"}),
    ("who-commissions", {"service": "PRS", "cohort": "serving Armed Forces personnel"}),
    ("parties", {"kind": "category"}),
    ("search", {"text": "smartcard", "document": "cp-2012"}),
    ("function-matrix", {"function": "Information Governance", "document": "af-2013"}),
    ("escalation-routes", {"standard": "ISB 0160"}),
    ("standards-for-party", {"party": "community pharmacies"}),
    ("national-systems", {"system": "EPS"}),
    ("compare-documents", {"function": "Clinical Safety and Assurance"}),
    ("scope", {"status": "out of scope of these arrangements"}),
    ("services", {"kind": "itops:NationalSystem"}),
    ("no-direct-responsibility", {"party": "CCG"}),
]


def comparison_cases() -> list[tuple[str, dict[str, str]]]:
    """Every named query without parameters (with its examples where a parameter is required), and PARAMETER_CASES."""
    cases: list[tuple[str, dict[str, str]]] = []
    for query in all_queries():
        if not any(p.required for p in query.parameters):
            cases.append((query.name, {}))
        cases.extend((query.name, dict(example)) for example in query.examples)
    return cases + PARAMETER_CASES


def assert_same_rows(query: NamedQuery, embedded: QueryResult, remote: QueryResult) -> None:
    """Same columns, same rows as RDF terms, in the same order (every named query orders totally:
    tests/test_portability.py checks it, and compares Jena ARQ and pyoxigraph too)."""
    assert remote.columns == embedded.columns, query.name
    assert remote.rows == embedded.rows, f"{query.name}: rows or their order differ"


@pytest.mark.parametrize(("name", "params"), comparison_cases(), ids=lambda c: str(c))
def test_remote_rows_equal_embedded_rows(kg: KnowledgeGraph, pushed: str, name: str, params: dict[str, str]) -> None:
    query = load_query(name)
    embedded = kg.query(query, params, engine="rdflib")
    remote = query_endpoint(kg, query, params, Endpoint(pushed))
    assert embedded.rows, f"{name} {params} finds nothing embedded: not a useful comparison"
    assert_same_rows(query, embedded, remote)


def test_cli_json_from_the_server_is_the_embedded_sparql_json(capsys: pytest.CaptureFixture[str], pushed: str) -> None:
    args = ["query", "accountability", "--param", "delivery=DMS", "--param", "document=af-2013", "--format", "json"]
    code, embedded, _ = run(capsys, *args)
    assert code == 0
    code, remote, err = run(capsys, *args, "--endpoint", pushed, "--timeout", "10")
    assert code == 0, err
    assert remote == embedded
    document = json.loads(remote)
    assert document["head"]["vars"][:3] == ["document", "section", "row"]
    assert len(document["results"]["bindings"]) == 2


def test_graph_option_selects_the_graph_as_default_graph(capsys: pytest.CaptureFixture[str], pushed: str) -> None:
    code, out, _ = run(capsys, "query", "glossary", "--endpoint", pushed, "--graph", DEFAULT_GRAPH, "--format", "csv")
    assert code == 0 and out.count("\n") == 32  # header and 31 glossary terms
    code, out, _ = run(
        capsys, "query", "glossary", "--endpoint", pushed, "--graph", "urn:itops:test:empty", "--format", "csv"
    )
    assert code == 0 and out.count("\n") == 1  # only the header: the server's other graphs are not seen


# ------------------------------------------------------------------------------------ push


ATOMIC_GRAPH = "https://w3id.org/itops/graph/test-atomic"


def test_push_twice_gives_the_same_graph(
    capsys: pytest.CaptureFixture[str], server: Oxigraph, kg: KnowledgeGraph
) -> None:
    expected = len(kg.union())
    endpoint = Endpoint(server.query_url, graph=ATOMIC_GRAPH)
    for _ in range(2):
        code, out, err = run(capsys, "push", "--endpoint", server.query_url, "--graph", ATOMIC_GRAPH)
        assert code == 0, err
        assert f"pushed {expected} triples to graph <{ATOMIC_GRAPH}>" in out and "verified" in out
        assert endpoint.count(ATOMIC_GRAPH) == expected
    assert leftover_temporary_graphs(server.query_url) == []


def test_failed_push_leaves_the_graph_unchanged(
    capsys: pytest.CaptureFixture[str], server: Oxigraph, tmp_path: Path, kg: KnowledgeGraph
) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text("<urn:x:a> <urn:x:b> 'one' , 'two' .\n", encoding="utf-8")
    code, _, err = run(capsys, "push", "--endpoint", server.query_url, "--graph", ATOMIC_GRAPH, str(extra))
    assert code == 0, err
    before = Endpoint(server.query_url, graph=ATOMIC_GRAPH).count(ATOMIC_GRAPH)
    assert before == len(kg.union()) + 2

    dead = f"http://127.0.0.1:{_free_port()}/store"
    code, out, err = run(capsys, "push", "--endpoint", server.query_url, "--graph", ATOMIC_GRAPH, "--store", dead)
    assert code == 2 and out == ""
    assert f"cannot reach {dead}" in err and f"graph <{ATOMIC_GRAPH}>" in err and "is unchanged" in err
    assert "Traceback" not in err

    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:x:a> <urn:x:b> 'ok' .\n<urn:x:a> <urn:x:b> .\n", encoding="utf-8")
    code, out, err = run(capsys, "push", "--endpoint", server.query_url, "--graph", ATOMIC_GRAPH, str(bad))
    assert code == 2 and out == ""
    assert "bad.ttl:2" in err and "nothing was sent" in err and "is unchanged" in err

    assert Endpoint(server.query_url, graph=ATOMIC_GRAPH).count(ATOMIC_GRAPH) == before
    assert leftover_temporary_graphs(server.query_url) == []


def test_upload_failing_half_way_drops_the_temporary_graph(server: Oxigraph) -> None:
    # SPARQL Update INSERT DATA in many small requests; the last triple is one the server refuses
    target = "https://w3id.org/itops/graph/test-half-way"
    endpoint = Endpoint(server.query_url, graph=target)
    good = Graph()
    for i in range(40):
        good.add((URIRef(f"urn:x:s{i}"), URIRef("urn:x:p"), Literal(f"value {i}")))
    push(good, endpoint, store_url=None)
    assert endpoint.count(target) == 40

    broken = Graph()
    for triple in good:
        broken.add(triple)
    # refused by the server (a bad %-escape); the requests are sent in N-Triples order, so this one comes last
    broken.add((URIRef("urn:x:zz"), URIRef("urn:x:p"), URIRef("http://example.org/bad%zz")))
    messages: list[str] = []
    with pytest.raises(EndpointError) as failure:
        push(broken, endpoint, store_url=None, chunk_bytes=300, progress=messages.append)
    assert sum("INSERT DATA request" in m for m in messages) >= 2  # part of the data was in the store
    assert f"graph <{target}>" in str(failure.value) and "is unchanged" in str(failure.value)
    assert endpoint.count(target) == 40
    assert leftover_temporary_graphs(server.query_url) == []


def test_push_without_graph_store_uses_insert_data(server: Oxigraph, kg: KnowledgeGraph) -> None:
    target = "https://w3id.org/itops/graph/test-insert-data"
    endpoint = Endpoint(server.query_url, graph=target)
    data = kg.union()
    # a Graph Store URL that answers 404 is not required (it was only guessed): fall back to SPARQL Update
    result = push(data, endpoint, store_url=server.base + "/no-store-here", chunk_bytes=200_000)
    assert result.method.startswith("SPARQL Update INSERT DATA in") and result.triples == len(data)
    assert endpoint.count(target) == len(data)
    query = load_query("responsibilities")
    assert_same_rows(query, kg.query(query, {}, engine="rdflib"), query_endpoint(kg, query, {}, endpoint))
    # given by the user, the same URL must work
    with pytest.raises(EndpointError) as failure:
        push(data, endpoint, store_url=server.base + "/no-store-here", store_required=True)
    assert "HTTP 404" in str(failure.value) and "is unchanged" in str(failure.value)
    assert leftover_temporary_graphs(server.query_url) == []


# ------------------------------------------------------------------------------------ errors


def assert_clean_failure(code: int, out: str, err: str, *expected: str) -> None:
    assert code == 2 and out == ""
    for text in expected:
        assert text in err, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_stopped_server_cannot_be_reached(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    short_lived = Oxigraph(tmp_path / "short.log")
    try:
        code, _, err = run(capsys, "query", "glossary", "--endpoint", short_lived.query_url)
        assert code == 0, err  # answers (nothing pushed: no rows)
    finally:
        short_lived.stop()
    code, out, err = run(capsys, "query", "glossary", "--endpoint", short_lived.query_url)
    assert_clean_failure(code, out, err, f"cannot reach {short_lived.query_url}", "Connection refused")
    code, out, err = run(capsys, "push", "--endpoint", short_lived.query_url)
    assert_clean_failure(code, out, err, f"cannot reach {short_lived.query_url}", "nothing was sent", "is unchanged")


def test_installed_command_reports_an_unreachable_server_without_traceback() -> None:
    script = Path(sys.executable).with_name("itops")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "itops"]
    url = f"http://127.0.0.1:{_free_port()}/query"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITOPS_ENDPOINT_")}
    done = subprocess.run(
        [*command, "query", "glossary", "--endpoint", url, "--timeout", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert f"itops: cannot reach {url}" in done.stderr and "Traceback" not in done.stderr


def test_wrong_path_gives_http_404(capsys: pytest.CaptureFixture[str], server: Oxigraph) -> None:
    url = server.base + "/sparql-nowhere"
    code, out, err = run(capsys, "query", "glossary", "--endpoint", url)
    assert_clean_failure(code, out, err, f"{url} answered HTTP 404", "query URL of a SPARQL endpoint")


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """A socket on 127.0.0.1 that accepts connections and never answers; yields its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                held.append(connection)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def test_silent_server_times_out(capsys: pytest.CaptureFixture[str], silent_server: str) -> None:
    started = time.monotonic()
    code, out, err = run(capsys, "query", "glossary", "--endpoint", silent_server, "--timeout", "1")
    assert time.monotonic() - started < 10
    assert_clean_failure(code, out, err, f"no answer from {silent_server} within 1 s")


class _Guarded(http.server.BaseHTTPRequestHandler):
    """A SPARQL-looking server that wants ``Bearer secret`` or ``Basic user:pass``; /error and /garbled misbehave."""

    seen: list[tuple[str, str, str]] = []
    accepted = ("Bearer secret", "Basic dXNlcjpwYXNz")

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        auth = self.headers.get("Authorization") or ""
        type(self).seen.append((self.command, self.path, auth))
        path = self.path.split("?")[0]
        if path == "/error":
            self._send(500, "text/plain", b"Internal failure: disk full\nsecond line\n")
        elif path == "/garbled":
            self._send(200, "text/html", b"<html><body>Welcome to the portal</body></html>")
        elif auth not in self.accepted:
            self._send(401, "text/plain", b"who are you?", {"WWW-Authenticate": 'Basic realm="sparql"'})
        elif path == "/store":
            self._send(403, "text/plain", b"read-only store")
        elif path == "/update":
            self._send(204, "text/plain", b"")
        else:
            results = {
                "head": {"vars": ["n"]},
                "results": {
                    "bindings": [
                        {"n": {"type": "literal", "value": "0", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
                    ]
                },
            }
            self._send(200, "application/sparql-results+json", json.dumps(results).encode())

    def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture()
def guarded() -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 (see _Guarded); yields its base URL."""
    _Guarded.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Guarded)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_refused_credentials_say_which_variables_to_set(
    capsys: pytest.CaptureFixture[str], guarded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = guarded + "/query"
    code, out, err = run(capsys, "query", "glossary", "--endpoint", url)
    assert_clean_failure(
        code,
        out,
        err,
        f"{url} refused the credentials (HTTP 401); "
        "set ITOPS_ENDPOINT_USER/ITOPS_ENDPOINT_PASSWORD or ITOPS_ENDPOINT_TOKEN",
    )
    monkeypatch.setenv("ITOPS_ENDPOINT_USER", "user")
    monkeypatch.setenv("ITOPS_ENDPOINT_PASSWORD", "pass")
    code, out, err = run(capsys, "query", "statement-counts", "--endpoint", url, "--format", "csv")
    assert (code, out) == (0, "n\n0\n"), err
    assert _Guarded.seen[-1] == ("POST", "/query", "Basic dXNlcjpwYXNz")
    monkeypatch.delenv("ITOPS_ENDPOINT_USER")
    monkeypatch.delenv("ITOPS_ENDPOINT_PASSWORD")
    monkeypatch.setenv("ITOPS_ENDPOINT_TOKEN", "secret")
    # push: the query goes through SPARQLWrapper, the upload through requests; both send the token
    code, out, err = run(capsys, "push", "--endpoint", url)
    assert_clean_failure(code, out, err, f"{guarded}/store refused the credentials (HTTP 403)", "is unchanged")
    upload = "/store?graph=" + urllib.parse.quote(TEMPORARY_GRAPH_PREFIX, safe="")
    assert any(m == "PUT" and p.startswith(upload) and a == "Bearer secret" for m, p, a in _Guarded.seen), _Guarded.seen
    assert ("POST", "/update", "Bearer secret") in _Guarded.seen  # the temporary graph was dropped


def test_inconsistent_credential_variables_are_refused(
    capsys: pytest.CaptureFixture[str], guarded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITOPS_ENDPOINT_USER", "user")
    code, out, err = run(capsys, "query", "glossary", "--endpoint", guarded + "/query")
    assert_clean_failure(code, out, err, "ITOPS_ENDPOINT_USER and ITOPS_ENDPOINT_PASSWORD must be set together")
    assert _Guarded.seen == []


def test_server_error_and_garbled_answer(capsys: pytest.CaptureFixture[str], guarded: str) -> None:
    code, out, err = run(capsys, "query", "glossary", "--endpoint", guarded + "/error")
    assert_clean_failure(code, out, err, f"{guarded}/error answered HTTP 500", "Internal failure: disk full")
    assert "second line" not in err
    code, out, err = run(capsys, "query", "glossary", "--endpoint", guarded + "/garbled")
    assert_clean_failure(
        code, out, err, f"{guarded}/garbled did not answer with SPARQL JSON results", "Welcome to the portal"
    )


def test_bad_options_are_refused_before_anything_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "query", "glossary", "--graph", DEFAULT_GRAPH)
    assert code == 2 and "only applies with --endpoint" in err
    code, _, err = run(capsys, "query", "glossary", "--endpoint", "ftp://127.0.0.1/query")
    assert code == 2 and "not an http:// or https:// URL" in err
    code, _, err = run(
        capsys, "query", "glossary", "--endpoint", "http://127.0.0.1:9/query", "--graph", "urn:x> } DROP ALL {"
    )
    assert code == 2 and "not an absolute IRI" in err


# ------------------------------------------------------------------------------------ parameters are terms

HOSTILE = [
    '"} ; DROP ALL ; {',
    "'} ; DROP ALL ; {",
    'NHS CB" } UNION { ?s ?p ?o',
    "<http://x> } ; DROP ALL ; {",
    '""" } ; CLEAR ALL ; { """',
    'back\\slash \\u0022 and \\" quote',
    "line one\nline two\r\n} ; DROP ALL ; {",
    "# } ; DROP ALL ; {",
    "é ü — 中文 ☃",
]


def test_sparql_syntax_in_a_string_parameter_changes_nothing_and_finds_nothing(kg: KnowledgeGraph, pushed: str) -> None:
    endpoint = Endpoint(pushed)
    before = total_triples(pushed)
    label = NamedQuery.parse(
        "t",
        "# param: text string required a label\n"
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label . FILTER(STR(?label) = ?text_param) }",
    )
    echo = NamedQuery.parse(
        "echo", "# param: text string required anything\nSELECT ?echo WHERE { BIND(?text_param AS ?echo) }"
    )
    for hostile in HOSTILE:
        assert query_endpoint(kg, label, {"text": hostile}, endpoint).rows == (), hostile
        # the server received exactly the text given: a term, not query syntax
        assert query_endpoint(kg, echo, {"text": hostile}, endpoint).rows == ((Literal(hostile),),), hostile
    assert total_triples(pushed) == before
    found = query_endpoint(kg, label, {"text": "NHS CB"}, endpoint)  # the query itself works
    assert found.rows and found == kg.query(label, {"text": "NHS CB"}, engine="rdflib")


@pytest.mark.parametrize("hostile", HOSTILE[:5])
def test_sparql_syntax_in_an_iri_parameter_is_refused_before_sending(
    capsys: pytest.CaptureFixture[str], kg: KnowledgeGraph, hostile: str
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}/query"  # nothing listens: a request would say "cannot reach"
    with pytest.raises(ParameterError):
        query_endpoint(kg, load_query("commissioning"), {"commissioner": hostile}, Endpoint(dead))
    code, out, err = run(capsys, "query", "commissioning", "--param", f"commissioner={hostile}", "--endpoint", dead)
    assert code == 2 and out == "" and "parameter 'commissioner'" in err and "cannot reach" not in err


# ----------------------------------------------------------------------------------------------------
# itops validate --endpoint: the compiled rules run as queries on the server that holds the data
# ----------------------------------------------------------------------------------------------------

EXAMPLE_REGISTER = Path(__file__).resolve().parent.parent / "examples" / "register.csv"


def test_validate_on_the_endpoint_finds_what_embedded_validation_finds(
    capsys: pytest.CaptureFixture[str], server: Oxigraph, pushed: str
) -> None:
    import json

    graph = "https://example.org/itops-register-check"
    assert main(["push", "--endpoint", server.query_url, "--graph", graph, str(EXAMPLE_REGISTER)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "validate", "--endpoint", server.query_url, "--graph", graph, "--format", "json")
    assert code == 1, err
    remote = {(f["ods_code"], f["shape"], f["severity"], f["organisation"]) for f in json.loads(out)["findings"]}
    code, out, _ = run(capsys, "validate", str(EXAMPLE_REGISTER), "--engine", "pyshacl", "--format", "json")
    local = {(f["ods_code"], f["shape"], f["severity"], f["organisation"]) for f in json.loads(out)["findings"]}
    assert remote == local
    # every deliberate break listed in examples/register-breaks.csv is among the findings
    breaks_file = EXAMPLE_REGISTER.with_name("register-breaks.csv")
    breaks = {line.split(",")[0] for line in breaks_file.read_text(encoding="utf-8").splitlines()[1:] if line}
    assert breaks and breaks <= {ods for ods, _, _, _ in remote}
    # the documents alone, in the default itops graph, conform
    code, out, err = run(capsys, "validate", "--endpoint", pushed)
    assert code == 0, err + out


def test_validate_on_the_endpoint_names_the_rules_with_nothing_to_read(
    capsys: pytest.CaptureFixture[str], server: Oxigraph, tmp_path: Path
) -> None:
    """A register with no ra_policy column: the endpoint's report says, as the embedded one does, which
    rules had nothing recorded to read (CP 2012 §06: "Ensure adherence to registration authority
    security policy for use of smartcard")."""
    register = tmp_path / "lone.csv"
    register.write_text("ods_code,name,type,igt_status\nFAA99,Lone Pharmacy,community pharmacy,standards met\n")
    graph = "https://example.org/itops-lone-register"
    assert main(["push", "--endpoint", server.query_url, "--graph", graph, str(register)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "validate", "--endpoint", server.query_url, "--graph", graph, "--format", "json")
    assert code == 0, err
    remote = json.loads(out)["rules_with_nothing_recorded_to_read"]
    code, out, _ = run(capsys, "validate", str(register), "--format", "json")
    assert code == 0
    assert remote == json.loads(out)["rules_with_nothing_recorded_to_read"]
    assert "primary care contractors adhere to the registration authority policies" in remote


def test_validate_on_the_endpoint_refuses_files(capsys: pytest.CaptureFixture[str], pushed: str) -> None:
    code, out, err = run(capsys, "validate", "--endpoint", pushed, str(EXAMPLE_REGISTER))
    assert_clean_failure(code, out, err, "itops push")
