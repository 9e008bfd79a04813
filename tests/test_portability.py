"""Every named query gives the same rows (RDF terms, in order) on four SPARQL engines.

* rdflib (parameters bound by ``initBindings``), pyoxigraph embedded, an ``oxigraph serve`` server on
  127.0.0.1 and Apache Jena ARQ (Debian's ``libapache-jena-java``, through ``tests/java/ArqRun.java``);
  the last three receive parameters as a ``VALUES`` block, as any SPARQL endpoint does;
* no ``queries/*.rq`` file, and no check that ``itops validate --endpoint`` sends, uses a construct
  that engines read differently (``tests/sparql_constructs.py``);
* the checks ``validate --endpoint`` sends find on Jena what they find embedded.

Jena and the server each answer every case in one go (one JVM, one server) for the whole module.
Locally a missing Java or Jena skips the Jena tests with the reason; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

import jena
import pytest
from jena import JenaUnavailable, run_arqrun, union_ntriples  # arq_classpath: a fixture of the jena plugin
from rdflib import BNode
from rdflib.term import Node
from sparql_constructs import construct_problems, order_keys
from test_endpoint import PARAMETER_CASES, Oxigraph

from itops.endpoint import Endpoint, query_endpoint
from itops.fastshacl import compile_shapes, oxigraph_executor, prepare, run_checks
from itops.graph import KnowledgeGraph
from itops.query import NamedQuery, QueryResult, all_queries, load_query, resolve_parameters, with_values
from itops.resources import resource_files
from itops.validate import load_shapes

EXAMPLE_REGISTER = Path(__file__).resolve().parent.parent / "examples" / "register.csv"
GRAPH = "urn:itops:test:portability"

Case = tuple[str, tuple[tuple[str, str], ...]]


#: Cases made up here (a query limited to one document) may rightly find nothing; the others must find rows.
MAY_BE_EMPTY: set[Case] = set()


def cases() -> list[Case]:
    """Each query with no parameters (unless one is required), with each of its examples, limited to one
    document where it takes one, and the parameter cases of tests/test_endpoint.py."""
    out: list[Case] = []

    def add(name: str, params: dict[str, str]) -> None:
        case = (name, tuple(sorted(params.items())))
        if case not in out:
            out.append(case)

    for query in all_queries():
        if not any(p.required for p in query.parameters):
            add(query.name, {})
        for example in query.examples:
            add(query.name, dict(example))
        if any(p.name == "document" for p in query.parameters):
            base = dict(query.examples[0]) if query.examples else {}
            before = len(out)
            add(query.name, {**base, "document": "af-2013"})
            if len(out) > before:
                MAY_BE_EMPTY.add(out[-1])
    for name, params in PARAMETER_CASES:
        add(name, params)
    return out


CASES = cases()


def case_id(case: Case) -> str:
    return case[0] + "".join(f"[{k}={v}]" for k, v in case[1])


# ------------------------------------------------------------------------------------ the engines


@pytest.fixture(scope="module")
def data_file(kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every triple of the bundled graph, as N-Triples (what Jena and the server load)."""
    return union_ntriples(kg, tmp_path_factory.mktemp("portability") / "bundled.nt")


@pytest.fixture(scope="module")
def server_endpoint(data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """An ``oxigraph serve`` on 127.0.0.1 holding the bundled graph in GRAPH (loaded by a Graph Store PUT)."""
    folder = tmp_path_factory.mktemp("portability-server")
    server = Oxigraph(folder / "server.log")
    try:
        put = urllib.request.Request(
            f"{server.base}/store?graph={urllib.parse.quote(GRAPH, safe='')}",
            data=data_file.read_bytes(),
            method="PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        with urllib.request.urlopen(put, timeout=60) as answer:
            assert answer.status in (201, 204)
        yield Endpoint(server.query_url, graph=GRAPH)
    finally:
        server.stop()


def _bound_text(kg: KnowledgeGraph, case: Case) -> tuple[NamedQuery, str]:
    query = load_query(case[0])
    bindings = resolve_parameters(query, dict(case[1]), kg.dataset, kg.names())
    return query, with_values(query.text, bindings)


@pytest.fixture(scope="module")
def jena_results(
    kg: KnowledgeGraph,
    arq_classpath: list[Path],
    data_file: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[Case, QueryResult]:
    """Every case run by Jena ARQ, in one JVM."""
    bound = [_bound_text(kg, case) for case in CASES]
    report = run_arqrun(
        arq_classpath,
        [data_file],
        [text for _, text in bound],
        tmp_path_factory.mktemp("arq-queries"),
        list_columns=[q.list_columns for q, _ in bound],
    )
    assert report.triples == len(data_file.read_text(encoding="utf-8").splitlines())
    return dict(zip(CASES, report.results, strict=False))


_RDFLIB: dict[Case, QueryResult] = {}


def on_rdflib(kg: KnowledgeGraph, case: Case) -> QueryResult:
    """The reference answer (rdflib, parameters bound by initBindings), computed once per case."""
    if case not in _RDFLIB:
        _RDFLIB[case] = kg.query(case[0], dict(case[1]), engine="rdflib")
    return _RDFLIB[case]


def assert_same(reference: QueryResult, other: QueryResult, engine: str) -> None:
    assert other.columns == reference.columns, f"{engine}: columns differ"
    assert len(other.rows) == len(reference.rows), f"{engine}: {len(other.rows)} rows, rdflib has {len(reference.rows)}"
    for i, (mine, theirs) in enumerate(zip(reference.rows, other.rows, strict=False)):
        assert theirs == mine, f"{engine}: row {i} differs\n rdflib: {mine}\n {engine}: {theirs}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_same_rows_in_the_same_order_on_four_engines(
    kg: KnowledgeGraph, server_endpoint: Endpoint, jena_results: dict[Case, QueryResult], case: Case
) -> None:
    name, params = case[0], dict(case[1])
    reference = on_rdflib(kg, case)
    assert reference.rows or case in MAY_BE_EMPTY, f"{case_id(case)} finds nothing: not a useful comparison"
    assert_same(reference, kg.query(name, params, engine="oxigraph"), "pyoxigraph")
    assert_same(reference, query_endpoint(kg, load_query(name), params, server_endpoint), "oxigraph serve")
    assert_same(reference, jena_results[case], "Jena ARQ")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_order_leaves_no_ties(kg: KnowledgeGraph, case: Case) -> None:
    """Rows that agree on every projected ORDER BY key are identical: the order is the same on every engine."""
    query = load_query(case[0])
    keys = order_keys(query.text)
    assert keys is not None, f"{query.name} has no ORDER BY"
    result = on_rdflib(kg, case)
    columns = [result.columns.index(k) for k in keys if k in result.columns]
    for before, after in zip(result.rows, result.rows[1:], strict=False):
        if [before[i] for i in columns] == [after[i] for i in columns]:
            assert before == after, f"{query.name}: tied rows in an engine's own order:\n {before}\n {after}"


def test_missing_jena_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(jena, "JAVA_DIR", tmp_path)
    with pytest.raises(JenaUnavailable, match="install the Debian packages .*libapache-jena-java"):
        jena.classpath()
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Jena ARQ cannot run: no jars"):
        jena.unavailable("no jars")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        jena.unavailable("no jars")


def test_every_query_is_compared() -> None:
    assert {name for name, _ in CASES} == {q.name for q in all_queries()}


# ------------------------------------------------------------------------------------ constructs


@pytest.mark.parametrize("file", resource_files("queries", ".rq"), ids=lambda f: f.name)
def test_named_query_uses_no_engine_dependent_construct(file: Path) -> None:
    assert construct_problems(file.read_text(encoding="utf-8"), ordered=True) == []


def compiled_check_texts(kg: KnowledgeGraph) -> list[str]:
    """Every query text ``itops validate --endpoint`` sends: the context queries, and each compiled check
    as rendered with the context the bundled graph gives (subclass closures, ill-typed literals)."""
    compiled = compile_shapes(load_shapes())
    closure, literals = compiled.context_queries()
    texts = [closure] if closure else []
    texts += [text for _, text in literals]
    texts += [check.query for check in compiled.checks(prepare(oxigraph_executor(kg.oxigraph_store()), compiled))]
    return texts


def test_construct_checker_flags_what_it_should() -> None:
    negated = "SELECT ?p WHERE { ?p ?x ?y FILTER NOT EXISTS { ?p a/<urn:x:sub>* <urn:x:Unit> } }"
    minus = "SELECT ?p WHERE { ?p ?x ?y MINUS { ?p ^<urn:x:has> ?q } }"
    implicit = "SELECT ?p ?y (COUNT(?x) AS ?n) WHERE { ?p ?x ?y } GROUP BY ?p ORDER BY ?p ?y"
    untied = "SELECT ?p ?y WHERE { ?p ?x ?y } ORDER BY ?p"
    assert [p.split(" inside ")[1][:10] for p in construct_problems(negated)] == ["NOT EXISTS"]
    assert construct_problems(minus)[0].startswith("property path ^<urn:x:has> inside MINUS")
    assert construct_problems(implicit) == [
        "query: ?y is projected but is not a GROUP BY key: add it to GROUP BY (or aggregate it)"
    ]
    assert construct_problems(untied) == []
    assert construct_problems(untied, ordered=True) == ["ORDER BY leaves ties: it does not sort on ?y"]
    plain = "SELECT ?p WHERE { ?p a ?c . ?c <urn:x:sub>* <urn:x:Unit> FILTER NOT EXISTS { ?p <urn:x:a> ?q } }"
    assert construct_problems(plain) == []
    nested = "SELECT ?p WHERE { ?p ?x ?y FILTER(?y = 1 || NOT EXISTS { ?p <urn:x:a>+ ?q }) }"
    assert construct_problems(nested)[0].startswith("property path <urn:x:a>+ inside NOT EXISTS")


def test_compiled_checks_use_no_engine_dependent_construct(kg: KnowledgeGraph) -> None:
    texts = compiled_check_texts(kg)
    assert len(texts) > 20
    assert sorted({p for text in texts for p in construct_problems(text)}) == []


# ------------------------------------------------------------------------------------ validate --endpoint on Jena


def _key(result: object) -> tuple[str, ...]:
    """A finding as text, blank nodes made anonymous (each engine labels them its own way)."""

    def term(node: Node | None) -> str:
        return "" if node is None else "_:b" if isinstance(node, BNode) else node.n3()

    return tuple(term(getattr(result, name)) for name in ("focus", "path", "value", "shape", "component", "severity"))


def test_validate_endpoint_checks_on_jena_find_the_embedded_findings(
    arq_classpath: list[Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLE_REGISTER))
    data = union_ntriples(kg, tmp_path / "register.nt")
    compiled = compile_shapes(load_shapes())
    embedded = {_key(r) for r in run_checks(kg.oxigraph_store(), compiled)}

    # run_checks asks for one query at a time; Jena answers a batch per JVM: ask again until all are known
    answers: dict[str, list[list[Node | None]]] = {}
    for _ in range(4):
        missing: list[str] = []

        def execute(text: str, missing: list[str] = missing) -> Iterable[list[Node | None]]:
            if text not in answers:
                missing.append(text)
                return []
            return answers[text]

        on_jena = {_key(r) for r in run_checks(execute, compiled)}
        if not missing:
            break
        todo = list(dict.fromkeys(missing))
        report = run_arqrun(arq_classpath, [data], todo, tmp_path)
        for text, result in zip(todo, report.results, strict=False):
            names = [n for n in ("this", "value", "path", "_key") if n in result.columns]
            at = {n: result.columns.index(n) for n in names}
            answers[text] = [
                [row[at[n]] if n in at else None for n in ("this", "value", "path", "_key")] for row in result.rows
            ]
    else:
        pytest.fail("the compiled checks kept asking new queries")
    assert embedded, "the example register breaks rules: embedded validation must find them"
    assert on_jena == embedded
