"""The fast engine (shapes compiled to SPARQL on Oxigraph): identical to pySHACL, complete or loud.

The W3C core suite is in test_shacl_conformance.py; here: parity with pySHACL on the packaged
shapes (every fixture, the example register, a synthetic register), the refusal of every form the
engine does not compile, the constraints the old engine ignored, and ``validate_any`` on shapes of
its own (tests/fixtures/anyshapes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from itops.cli import main
from itops.errors import InputError, UnsupportedShapeError
from itops.fastshacl import (
    COMPONENTS,
    compile_shapes,
    describe_blank_nodes,
    oxigraph_executor,
    prepare,
    results_graph,
    run_checks,
)
from itops.graph import KnowledgeGraph
from itops.validate import load_shapes, validate_any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIXTURES = Path(__file__).resolve().parent.parent / "shapes" / "examples"
ANY = Path(__file__).parent / "fixtures" / "anyshapes"
LIB = "http://example.org/library#"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

Key = tuple[str, str, str, str, str]


def result_keys(graph: Graph) -> set[Key]:
    """(focus, path, source shape, severity, value) of every result of a SHACL report graph."""
    keys: set[Key] = set()
    for r in graph.subjects(SH.focusNode, None):
        focus, path, shape, severity, value = (
            graph.value(r, p) for p in (SH.focusNode, SH.resultPath, SH.sourceShape, SH.resultSeverity, SH.value)
        )
        keys.add((str(focus), str(path), str(shape), str(severity), str(value)))
    return keys


def union(kg: KnowledgeGraph) -> Graph:
    data = Graph()
    for triple in kg.dataset.triples((None, None, None)):
        data.add(triple)
    return data


def store_of(data: Graph) -> ox.Store:
    store = ox.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def compare(data: Graph, shapes: Graph | None = None) -> tuple[set[Key], set[Key]]:
    """The fast engine's findings and pySHACL's on ``data``."""
    from pyshacl import validate as shacl_validate

    shapes = shapes if shapes is not None else load_shapes()
    _, reference, _ = shacl_validate(
        data, shacl_graph=shapes, allow_warnings=True, advanced=False, meta_shacl=False, inference="none"
    )
    assert isinstance(reference, Graph)
    fast = result_keys(results_graph(run_checks(store_of(data), compile_shapes(shapes))))
    return fast, result_keys(reference)


def shapes_of(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


# ------------------------------------------------------------------------------------------------ parity


@pytest.mark.slow  # the example register's case below runs the same documents in the fast tier
def test_identical_on_the_documents(kg: KnowledgeGraph) -> None:
    fast, reference = compare(union(kg))
    assert fast == reference == set()


def test_identical_on_the_example_register() -> None:
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLES / "register.csv"))
    fast, reference = compare(union(kg))
    assert len(reference) >= 13  # examples/register-breaks.csv lists the breaks
    assert fast == reference


@pytest.mark.slow
def test_identical_on_a_synthetic_register_of_over_20k_triples(tmp_path: Path) -> None:
    from itops.cli import main

    register = tmp_path / "synthetic.nt"
    args = ["synth", "--organisations", "1300", "--seed", "5", "--violation-rate", "0.15", "-o", str(register)]
    assert main(args) == 0
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(register))
    data = union(kg)
    assert len(data) > 20000
    fast, reference = compare(data)
    assert len(reference) > 150
    assert fast == reference


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.ttl")) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("fixture", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_identical_on_every_shape_fixture(fixture: Path, base_graph: Graph) -> None:
    data = Graph()
    for triple in base_graph:
        data.add(triple)
    data.parse(fixture, format="turtle")
    fast, reference = compare(data)
    assert fast == reference


# ------------------------------------------------------------------------------------------------ complete


def test_the_issue_example_checks_every_parameter() -> None:
    """The shape of issue 12: the old engine compiled only its sh:qualifiedMinCount."""
    shapes = shapes_of("""
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ;
            sh:pattern "^a" ; sh:maxLength 3 ; sh:nodeKind sh:Literal ; sh:minInclusive "a" ;
            sh:qualifiedValueShape [ sh:datatype xsd:string ] ; sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] .""")
    data = Graph().parse(
        data=PREFIXES
        + """
        ex:ok a ex:C ; ex:p "ab" .
        ex:long a ex:C ; ex:p "abcd" .
        ex:pattern a ex:C ; ex:p "b" .
        ex:iri a ex:C ; ex:p ex:a .
        ex:two a ex:C ; ex:p "ab", "ac" .
        ex:none a ex:C .""",
        format="turtle",
    )
    found = {
        (str(r.focus).rsplit("/", 1)[1], str(r.component).rsplit("#", 1)[1])
        for r in run_checks(store_of(data), compile_shapes(shapes))
    }
    assert found == {
        ("long", "MaxLengthConstraintComponent"),
        ("pattern", "PatternConstraintComponent"),
        ("iri", "NodeKindConstraintComponent"),
        ("iri", "MinInclusiveConstraintComponent"),
        ("iri", "PatternConstraintComponent"),  # the IRI's text does not start with "a"
        ("iri", "QualifiedMinCountConstraintComponent"),
        ("iri", "MaxLengthConstraintComponent"),
        ("two", "QualifiedMaxCountConstraintComponent"),
        ("none", "QualifiedMinCountConstraintComponent"),
    }
    fast, reference = compare(data, shapes)
    assert fast == reference


@pytest.mark.parametrize(
    "lexical, datatype",
    [("maybe", XSD.boolean), ("2013-02-30T00:00:00", XSD.dateTime), ("2013-13-01", XSD.date), ("1.5", XSD.integer)],
)
def test_datatype_checks_lexical_validity(lexical: str, datatype: URIRef) -> None:
    shapes = shapes_of(
        f"ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:datatype <{datatype}> ] ."
    )
    good = {XSD.boolean: "true", XSD.dateTime: "2013-02-28T00:00:00", XSD.date: "2013-12-01", XSD.integer: "15"}
    # written as text: rdflib would write an ill-typed literal in a normal form ("maybe" as "false")
    text = (
        f'<http://example.org/bad> <http://example.org/p> "{lexical}"^^<{datatype}> .\n'
        f'<http://example.org/good> <http://example.org/p> "{good[datatype]}"^^<{datatype}> .\n'
    )
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.N_TRIPLES)
    results = run_checks(store, compile_shapes(shapes))
    assert [(str(r.focus), str(r.value)) for r in results] == [("http://example.org/bad", lexical)]


def test_subclass_closure_is_computed_before_the_checks() -> None:
    shapes = shapes_of("ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:class ex:A ] .")
    data = Graph().parse(
        data=PREFIXES
        + """
        ex:C rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:A .
        ex:x a ex:C ; ex:p ex:y . ex:y a ex:B . ex:z a ex:A ; ex:p ex:w .""",
        format="turtle",
    )
    compiled = compile_shapes(shapes)
    context = prepare(oxigraph_executor(store_of(data)), compiled)
    assert context.subclasses[URIRef("http://example.org/A")] == {URIRef(f"http://example.org/{c}") for c in "ABC"}
    assert [str(r.focus) for r in run_checks(store_of(data), compiled)] == ["http://example.org/z"]


SPARQL_PATH = re.compile(r"<I>\)*[*+?/|]|[/|^]\(*<I>")  # property paths are written without spaces


def _negated_blocks(query: str) -> list[str]:
    """The text inside every MINUS { } and (NOT) EXISTS { } of ``query``, IRIs and strings blanked."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', re.sub(r"<[^<>\s]*>", "<I>", query)).replace("^^<I>", "")
    blocks = []
    for match in re.finditer(r"\b(MINUS|EXISTS)\s*\{", text):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        blocks.append(text[match.end() : i - 1])
    return blocks


def test_no_property_path_inside_minus_or_exists() -> None:
    shapes = load_shapes()
    shapes.parse(ANY / "shapes.ttl")
    shapes += shapes_of("""ex:T a sh:NodeShape ; sh:targetNode ex:x ;
        sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount 1 ; sh:class ex:A ] ;
        sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:hasValue ex:y ; sh:minCount 1 ] ;
        sh:not [ sh:property [ sh:path [ sh:alternativePath ( ex:p ex:q ) ] ; sh:minCount 2 ] ] .""")
    compiled = compile_shapes(shapes)
    checks = compiled.checks()
    assert any("*" in c.query for c in checks)  # the zeroOrMorePath is there, at the top level
    for check in checks:
        for block in _negated_blocks(check.query):
            assert not SPARQL_PATH.search(block), (check.query, block)
    assert "subClassOf" not in " ".join(c.query for c in checks)


# ------------------------------------------------------------------------------------------------ loud

REFUSALS = {
    "sh:js": ("ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:js [ ] .", "JSConstraintComponent"),
    "sh:expression": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:expression [ ] .",
        "ExpressionConstraintComponent",
    ),
    "custom component": (
        """ex:C a sh:ConstraintComponent ; sh:parameter [ sh:path ex:size ] .
        ex:S a sh:NodeShape ; sh:targetNode ex:x ; ex:size 3 .""",
        "ex:C",
    ),
    "SPARQL on a property shape": (
        """ex:S a sh:PropertyShape ; sh:targetNode ex:x ; sh:path ex:p ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?v }" ] .""",
        "SPARQLConstraintComponent",
    ),
    "SPARQL in a nested shape": (
        """ex:S a sh:NodeShape ; sh:targetNode ex:x ;
        sh:not [ sh:sparql [ sh:select "SELECT $this WHERE { }" ] ] .""",
        "SPARQLConstraintComponent",
    ),
    "zeroOrMorePath nested": (
        """ex:S a sh:NodeShape ; sh:targetNode ex:x ;
        sh:or ( [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ] ) .""",
        "path",
    ),
    "xsd:byte on Oxigraph": (
        """ex:S a sh:NodeShape ; sh:targetNode ex:x ;
        sh:property [ sh:path ex:p ; sh:datatype xsd:byte ] .""",
        "DatatypeConstraintComponent",
    ),
    "count too high when nested": (
        """ex:S a sh:NodeShape ; sh:targetNode ex:x ;
        sh:node [ sh:property [ sh:path ex:p ; sh:minCount 9 ] ] .""",
        "MinCountConstraintComponent",
    ),
    "recursive shape": (
        """ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:node ex:R .
        ex:R sh:property [ sh:path ex:p ; sh:node ex:R ] .""",
        "NodeConstraintComponent",
    ),
    "minCount on a node shape": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:minCount 1 .",
        "MinCountConstraintComponent",
    ),
    "closed on a property shape": (
        "ex:S a sh:PropertyShape ; sh:targetNode ex:x ; sh:path ex:p ; sh:closed true .",
        "ClosedConstraintComponent",
    ),
    "custom target": ("ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:target [ ] ; sh:minLength 1 .", "sh:target"),
    "custom target alone": ("ex:S a sh:NodeShape ; sh:target [ a ex:T ] ; sh:minLength 1 .", "sh:target"),
    "unknown sh: parameter": ("ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:minLenght 1 .", "sh:minLenght"),
    "blank node as a value": ("ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:hasValue [ ] .", "term"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_what_is_not_compiled_is_refused_by_name(name: str) -> None:
    text, component = REFUSALS[name]
    shapes = shapes_of(text)
    with pytest.raises(UnsupportedShapeError) as refusal:
        compile_shapes(shapes)
    assert component in refusal.value.component
    assert "ex:S" in str(refusal.value) and component in str(refusal.value)
    fallback = compile_shapes(shapes, fallback=True)
    assert [f.name for f in fallback.fallback] == ["ex:S"] and not fallback.top_level


def test_every_refused_component_has_a_refusal_test() -> None:
    refused = {c.iri.rsplit("#", 1)[1] for c in COMPONENTS.values() if c.refused}
    assert refused <= {component for _, component in REFUSALS.values()}


# ------------------------------------------------------------------------------------------------ any shapes

#: What tests/fixtures/anyshapes/data.ttl breaks, read from its comments: (book, component, value).
EXPECTED_BREAKS = {
    ("longIsbn", "Pattern", "97801414395180"),
    ("longIsbn", "MaxLength", "97801414395180"),
    ("iriIsbn", "NodeKind", "http://example.org/isbn/9780141439518"),
    ("iriIsbn", "Pattern", "http://example.org/isbn/9780141439518"),
    ("iriIsbn", "MaxLength", "http://example.org/isbn/9780141439518"),
    ("noIsbn", "MinCount", "None"),
    ("early", "MinInclusive", "1066-10-14"),
    ("badDate", "Datatype", "2013-02-30"),
    ("badDate", "MinInclusive", "2013-02-30"),
    ("crowd", "QualifiedMaxCount", "None"),
    ("stranger", "Class", f"{LIB}Nobody"),
}


def breaks(report: Graph) -> set[tuple[str, str, str]]:
    return {
        (
            str(report.value(r, SH.focusNode)).removeprefix(LIB),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[1].removesuffix("ConstraintComponent"),
            str(report.value(r, SH.value)),
        )
        for r in report.subjects(SH.focusNode, None)
    }


@pytest.mark.parametrize("engine", ["oxigraph", "pyshacl"])
def test_validate_any_on_shapes_of_its_own(engine: str) -> None:
    report = validate_any([str(ANY / "data.ttl")], [str(ANY / "shapes.ttl")], engine=engine)  # type: ignore[arg-type]
    assert not report.conforms and len(report.violations) == len(EXPECTED_BREAKS)
    assert breaks(report.results_graph) == EXPECTED_BREAKS
    assert list(report.results_graph.objects(None, SH.conforms)) == [Literal(False)]


@pytest.mark.parametrize("engine", ["oxigraph", "pyshacl"])
def test_validate_shapes_on_the_command_line(engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``itops validate --shapes``: the standard report, exit 1 on violations, and how much was checked."""
    out = tmp_path / "report.ttl"
    args = ["validate", "--shapes", str(ANY / "shapes.ttl"), str(ANY / "data.ttl"), "--engine", engine, "--format"]
    code = main([*args, "ttl", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert breaks(Graph().parse(out, format="turtle")) == EXPECTED_BREAKS
    triples = len(Graph().parse(ANY / "data.ttl", format="turtle"))
    assert f"{len(EXPECTED_BREAKS)} violation(s), 0 warning(s)" in err
    assert f"Checked {triples} triple(s) of data against" in err
    assert main([*args, "json"]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(args[:-1]) == 1  # without --format: the standard report, as Turtle
    assert breaks(Graph().parse(data=capsys.readouterr().out, format="turtle")) == EXPECTED_BREAKS


def test_validate_shapes_warnings_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A warning leaves sh:conforms false in the standard report (as pySHACL) but the exit status 0."""
    shapes, data = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes.write_text(
        PREFIXES
        + "ex:S a sh:NodeShape ; sh:targetClass ex:Book ;"
        + " sh:property [ sh:path ex:title ; sh:minCount 1 ; sh:severity sh:Warning ] .\n",
        encoding="utf-8",
    )
    data.write_text(PREFIXES + "ex:b a ex:Book .\nex:c a ex:Book ; ex:title 'C' .\n", encoding="utf-8")
    assert main(["validate", "--shapes", str(shapes), str(data), "--format", "ttl"]) == 0
    out, err = capsys.readouterr()
    report = Graph().parse(data=out, format="turtle")
    assert list(report.objects(None, SH.conforms)) == [Literal(False)]
    # the Turtle report cannot say how much was checked: standard error does
    assert "0 violation(s), 1 warning(s). Checked 3 triple(s) of data against 1 shape(s)." in err
    assert {str(f) for f in report.objects(None, SH.focusNode)} == {"http://example.org/b"}
    data.write_text(PREFIXES + "ex:c a ex:Book ; ex:title 'C' .\n", encoding="utf-8")
    assert main(["validate", "--shapes", str(shapes), str(data), "--format", "ttl"]) == 0
    report = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert list(report.objects(None, SH.conforms)) == [Literal(True)]


def test_validate_any_runs_what_it_cannot_compile_on_pyshacl(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        PREFIXES
        + """
        ex:Fast a sh:NodeShape ; sh:targetClass ex:Book ; sh:property [ sh:path ex:title ; sh:minCount 1 ] .
        ex:Slow a sh:NodeShape ; sh:targetClass ex:Book ; sh:property [ sh:path ex:pages ; sh:datatype xsd:short ] .
        """,
        encoding="utf-8",
    )
    data = tmp_path / "data.ttl"
    # "12"^^xsd:short is valid: pySHACL must see it as written, not as Oxigraph stores it (an xsd:integer)
    data.write_text(
        PREFIXES + 'ex:b a ex:Book ; ex:pages "many"^^xsd:short . ex:c a ex:Book ; ex:title "C" ; '
        'ex:pages "12"^^xsd:short .',
        encoding="utf-8",
    )
    report = validate_any([str(data)], [str(shapes)])
    assert len(report.notices) == 1
    assert "http://example.org/Slow" in report.notices[0] and "DatatypeConstraintComponent" in report.notices[0]
    assert breaks(report.results_graph) == {
        ("http://example.org/b", "MinCount", "None"),
        ("http://example.org/b", "Datatype", "many"),
    }
    with pytest.raises(UnsupportedShapeError):
        validate_any([str(data)], [str(shapes)], fallback=False)


def test_validate_any_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        validate_any([str(ANY / "data.ttl")], [str(bad)])
    assert str(err.value).startswith(f"{bad}:3")
    with pytest.raises(InputError, match="no such file"):
        validate_any([str(tmp_path / "missing.nt")], [str(ANY / "shapes.ttl")])


def test_blank_focus_nodes_are_described_in_the_report() -> None:
    shapes = shapes_of(
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:minLength 3 ] ."
    )
    data = Graph().parse(data=PREFIXES + '[ ex:p "ab" ; ex:q "note" ] .', format="turtle")
    store = store_of(data)
    report = results_graph(run_checks(store, compile_shapes(shapes)))
    describe_blank_nodes([store], report)
    focus = next(report.objects(None, SH.focusNode))
    assert report.value(focus, URIRef("http://example.org/q")) == Literal("note")


def test_shape_values_are_written_as_terms_never_as_query_text() -> None:
    """A quote, brace or backslash in a shape's value stays inside its literal."""
    shapes = shapes_of(r"""ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ;
        sh:pattern "^\\d{3}$" ; sh:in ( "123" "9\" } } SELECT * { ?s ?p ?o" ) ] .""")
    data = Graph().parse(
        data=PREFIXES
        + r"""ex:a ex:p "123" . ex:b ex:p "12a" .
        ex:c ex:p "9\" } } SELECT * { ?s ?p ?o" .""",
        format="turtle",
    )
    found = {
        (str(r.focus).rsplit("/", 1)[1], str(r.component).rsplit("#", 1)[1])
        for r in run_checks(store_of(data), compile_shapes(shapes))
    }
    assert found == {
        ("b", "PatternConstraintComponent"),
        ("b", "InConstraintComponent"),
        ("c", "PatternConstraintComponent"),
    }
    fast, reference = compare(data, shapes)
    assert fast == reference


def test_an_iri_that_cannot_be_written_is_refused() -> None:
    shapes = Graph()
    shapes.add((URIRef("http://example.org/S"), URIRef(str(SH.targetNode)), URIRef("http://example.org/a> . ?s ?p ?o")))
    shapes.add((URIRef("http://example.org/S"), URIRef(str(SH.nodeKind)), SH.IRI))
    with pytest.raises(UnsupportedShapeError, match="cannot be written in a query"):
        compile_shapes(shapes)


def test_an_executor_of_this_and_value_pairs_gives_the_same_results(kg: KnowledgeGraph) -> None:
    """A SPARQL endpoint's executor may answer (?this, ?value) pairs only, as validate_endpoint's does."""
    data = union(kg)
    data.parse(ANY / "data.ttl")
    store = store_of(data)
    shapes = load_shapes()
    shapes.parse(ANY / "shapes.ttl")
    full = oxigraph_executor(store)

    def pairs(query: str) -> list[tuple[Node | None, Node | None]]:
        return [(row[0], row[1]) for row in full(query)]

    compiled = compile_shapes(shapes)
    assert breaks(results_graph(run_checks(pairs, compiled))) == EXPECTED_BREAKS
    assert breaks(results_graph(run_checks(store, compiled))) == EXPECTED_BREAKS


def test_sparql_constraint_messages_name_the_value() -> None:
    shapes = shapes_of('''ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
        sh:sparql [ sh:message "{$this} points at {?value}"@en ;
                    sh:select """SELECT $this ?value
                                 WHERE { $this <http://example.org/p> ?value . FILTER(isIRI(?value)) }""" ] .''')
    data = Graph().parse(data=PREFIXES + 'ex:a ex:p ex:b . ex:c ex:p "text" .', format="turtle")
    results = run_checks(store_of(data), compile_shapes(shapes))
    assert [(str(r.focus), r.messages) for r in results] == [
        ("http://example.org/a", (Literal("http://example.org/a points at http://example.org/b", lang="en"),))
    ]
    fast, reference = compare(data, shapes)
    assert fast == reference


def test_checks_run_side_by_side_give_the_results_of_one_thread_in_the_same_order() -> None:
    """The checks run on several threads; the results, and their order, are those of a single thread."""
    kg = KnowledgeGraph.bundled()
    kg.add_input(str(EXAMPLES / "register.csv"))
    store = store_of(union(kg))
    compiled = compile_shapes(load_shapes())
    one = run_checks(store, compiled, workers=1)
    assert len(one) >= 13  # examples/register-breaks.csv lists the breaks
    for workers in (2, 4, 8):
        assert run_checks(store, compiled, workers=workers) == one


def test_a_check_that_fails_on_a_thread_fails_the_run() -> None:
    """An executor's error on a worker thread reaches the caller: no check is silently dropped."""
    compiled = compile_shapes(
        shapes_of("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:nodeKind sh:IRI ; sh:class ex:C .")
    )
    calls: list[str] = []

    def failing(query: str) -> list[list[Node | None]]:
        calls.append(query)
        if "ex:C" in query or "http://example.org/C" in query:
            raise RuntimeError("the store went away")
        return []

    with pytest.raises(RuntimeError, match="the store went away"):
        run_checks(failing, compiled, workers=2)
    assert calls


def test_negation_never_builds_its_whole_right_side() -> None:
    """No MINUS: it would read every instance of a class (or every value of a property) into memory
    before removing anything; FILTER NOT EXISTS looks up each candidate instead."""
    shapes = load_shapes()
    shapes.parse(ANY / "shapes.ttl")
    queries = [c.query for c in compile_shapes(shapes).checks()]
    assert any("NOT EXISTS" in q for q in queries)
    assert not any(re.search(r"\bMINUS\b", q) for q in queries)
