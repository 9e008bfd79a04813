"""Every rule (node shape) has fixtures: data that follows it, near-misses included, gives no finding;
data that breaks it gives exactly the findings its ``# expect:`` lines list, with the shape's severity.

Fixtures are validated against the shapes together with the ontology and ``data/shared.ttl`` only
(not the documents' data), so each runs in a few milliseconds. See ``shapes/examples/README.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from itops.namespace import ITOPS
from itops.validate import Report, load_shapes, validate_graph

FIXTURES = Path(__file__).resolve().parent.parent / "shapes" / "examples"
SOURCE_SHAPES = Path(__file__).resolve().parent.parent / "shapes"
SHAPES_NS = "https://w3id.org/itops/shapes#"
EXPECT = re.compile(r"^#\s*expect:\s*<?(\S+?)>?\s+(\S+)\s*$")
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
#: Node shapes that check the data's provenance rather than a section's rule.
NO_SECTION = {"StatementProvenance"}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def source_shapes(shapes: Graph) -> Graph:
    """The shapes of the checkout's shapes/ folder (the packaged ones when run from an installed copy)."""
    files = sorted(SOURCE_SHAPES.glob("*.ttl"))
    if not files:
        return shapes
    graph = Graph()
    for file in files:
        graph.parse(file, format="turtle")
    return graph


@pytest.fixture(scope="module")
def base(base_graph: Graph) -> Graph:
    """The ontology (for subclass axioms) and the shared individuals, without the documents."""
    return base_graph


def node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted({s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}, key=str)


def local(term: Node | str) -> str:
    text = str(term)
    assert text.startswith(SHAPES_NS), f"{text} is not an itops shape"
    return text[len(SHAPES_NS) :]


def folders() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []


def expectations(path: Path) -> Counter[tuple[str, str]]:
    """The (focus IRI, shape local name) pairs listed by the fixture's leading ``# expect:`` lines."""
    expected: Counter[tuple[str, str]] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = EXPECT.match(line)
        if match:
            expected[(match.group(1), match.group(2))] += 1
        else:
            assert "expect" not in line, f"{path}: malformed expectation {line!r}"
    return expected


def run(fixture: Path, base: Graph, shapes: Graph) -> Report:
    data = Graph()
    for triple in base:
        data.add(triple)
    data.parse(fixture, format="turtle")
    return validate_graph(data, shapes=shapes)


def declared_severity(shapes: Graph, shape: str) -> str:
    severity = shapes.value(URIRef(shape), SH.severity)
    return SEVERITY_NAMES[severity] if isinstance(severity, URIRef) else "Violation"


@pytest.mark.parametrize("name", folders())
def test_pass_fixture_gives_no_finding(name: str, base: Graph, shapes: Graph) -> None:
    report = run(FIXTURES / name / "pass.ttl", base, shapes)
    assert [(f.focus, local(f.shape), f.severity, f.message) for f in report.findings] == []


@pytest.mark.parametrize("name", folders())
def test_fail_fixture_gives_exactly_the_expected_findings(name: str, base: Graph, shapes: Graph) -> None:
    fixture = FIXTURES / name / "fail.ttl"
    expected = expectations(fixture)
    assert expected, f"{fixture} lists no '# expect:' line"
    rule = URIRef(SHAPES_NS + name)
    for _, shape in expected:
        owner = shapes.value(None, SH.property, URIRef(SHAPES_NS + shape))
        assert URIRef(SHAPES_NS + shape) == rule or owner == rule, (
            f"{shape} is not {name} or one of its property shapes"
        )

    report = run(fixture, base, shapes)
    found = Counter((f.focus, local(f.shape)) for f in report.findings)
    assert found == expected
    for finding in report.findings:
        assert finding.rule == str(rule)
        assert finding.severity == declared_severity(shapes, finding.shape), finding
        assert finding.message and finding.rule_label and finding.remedy and finding.action_by


def test_every_node_shape_has_fixtures_and_annotations(source_shapes: Graph) -> None:
    shapes = source_shapes
    problems = []
    names = set()
    for shape in node_shapes(shapes):
        name = local(shape)
        names.add(name)
        for file in ("pass.ttl", "fail.ttl"):
            if not (FIXTURES / name / file).is_file():
                problems.append(f"{name}: no fixture {file}")
        if shapes.value(shape, RDFS.label) is None:
            problems.append(f"{name}: no rdfs:label")
        parts = [*shapes.objects(shape, SH.property), *shapes.objects(shape, SH.sparql)]
        if shapes.value(shape, SH.message) is None and not (parts and all(shapes.value(p, SH.message) for p in parts)):
            problems.append(f"{name}: no sh:message on it or on each of its property shapes")
        if shapes.value(shape, SH.severity) is None and not (
            parts and all(shapes.value(p, SH.severity) for p in parts)
        ):
            problems.append(f"{name}: no sh:severity on it or on each of its property shapes")
        if name not in NO_SECTION and shapes.value(shape, ITOPS.enforcesSection) is None:
            problems.append(f"{name}: no itops:enforcesSection")
        for annotation in (ITOPS.actionBy, ITOPS.remedy):
            if not str(shapes.value(shape, annotation) or "").strip():
                problems.append(f"{name}: no {annotation}")
    stale = set(folders()) - names
    assert not stale, f"fixture folders for no node shape: {sorted(stale)}"
    assert not problems, "\n".join(problems)


def test_node_shapes_with_node_level_constraints_have_their_own_message_and_severity(source_shapes: Graph) -> None:
    """A node-level sh:or reports the node shape itself, so the node shape carries the message and severity."""
    shapes = source_shapes
    for shape in node_shapes(shapes):
        if shapes.value(shape, SH["or"]) is not None or shapes.value(shape, SH["not"]) is not None:
            assert shapes.value(shape, SH.message) is not None, shape
            assert shapes.value(shape, SH.severity) is not None, shape


def test_every_property_shape_is_an_iri(source_shapes: Graph) -> None:
    """Property shapes and SPARQL constraints of node shapes are IRIs, so a finding names its rule.

    (The anonymous shapes nested inside sh:or, sh:not and sh:qualifiedValueShape never report on
    their own: their findings name the shape that holds them.)
    """
    shapes = source_shapes
    blank = []
    for shape in node_shapes(shapes):
        for part in [*shapes.objects(shape, SH.property), *shapes.objects(shape, SH.sparql)]:
            if not isinstance(part, URIRef):
                blank.append(f"{local(shape)}: {part!r}")
            elif shapes.value(part, SH.path) is not None:
                assert (part, RDF.type, SH.PropertyShape) in shapes, part
                assert local(part).startswith(local(shape) + "-"), part
    assert not blank, blank
    declared = set(shapes.subjects(RDF.type, SH.PropertyShape))
    assert all(isinstance(p, URIRef) for p in declared)


#: Node shapes that check the documents' own data (their table structure and provenance), not a register.
DATA_SHAPES = {
    "AccountabilityArrangementShape",
    "CommissioningArrangementShape",
    "EscalationRouteShape",
    "MatrixResponsibilityShape",
    "StandardRequirementShape",
    "StatementProvenance",
}
SOURCE_TEXTS = Path(__file__).resolve().parent.parent / "sources"


def _normalised_sources() -> str:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SOURCE_TEXTS.glob("*.txt")))
    text = re.sub(r"<[^>]+>", "", text).replace("*", "")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(\d) (st|nd|rd|th)\b", r"\1\2", text)


@pytest.mark.parametrize("name", [n for n in folders() if n not in DATA_SHAPES])
def test_every_register_rule_fixture_quotes_the_passage_that_decides_it(name: str) -> None:
    """Each boundary fixture of a rule about register organisations quotes, in its header comment, at least
    one passage of the documents verbatim (in double quotes; '...' may elide part of it)."""
    sources = _normalised_sources()
    for kind in ("pass.ttl", "fail.ttl"):
        header = " ".join(
            line[1:].strip()
            for line in (FIXTURES / name / kind).read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        )
        quotes = re.findall(r'"([^"]{15,})"', header)
        verbatim = [
            q
            for q in quotes
            if all(re.sub(r"\s+", " ", part).strip() in sources for part in q.split("...") if part.strip())
        ]
        assert verbatim, f"{name}/{kind} quotes no passage of the documents"
