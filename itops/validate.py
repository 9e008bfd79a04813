"""Validation: the documents' rules (SHACL shapes in ``shapes/``) run over the graph with pySHACL.

The report says, per organisation, what is wrong in plain words, which rule of which document
section it breaks, and who the documents say acts on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from itops.errors import ParameterError
from itops.fastshacl import (
    FastResult,
    Row,
    compile_shapes,
    describe_blank_nodes,
    pyshacl_report,
    read_results,
    result_rows,
    results_graph,
    run_checks,
    run_fallback,
)
from itops.lineage import map_to_2013, mapping_update
from itops.loader import graph_from_inputs, ontology_graph, opened_inputs, rdf_graph, rdf_store, store_from_graph
from itops.namespace import ITOPS
from itops.resources import resource_files
from itops.terms import StoreGraph, select

if TYPE_CHECKING:
    from itops.endpoint import Endpoint
    from itops.graph import KnowledgeGraph

Inference = TypingLiteral["none", "rdfs", "owlrl"]
Engine = TypingLiteral["auto", "pyshacl", "oxigraph"]
ENGINES = ("auto", "pyshacl", "oxigraph")
SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def load_shapes() -> Graph:
    """The packaged shapes, all families in one graph."""
    shapes = Graph()
    for file in resource_files("shapes", ".ttl"):
        shapes.parse(data=file.read_text(encoding="utf-8"), format="turtle", publicID=f"urn:itops:shapes:{file.name}")
    return shapes


@dataclass(frozen=True)
class Rule:
    """A rule (node shape) with the annotations the report shows."""

    shape: str
    label: str
    family: str
    description: str
    sections: tuple[str, ...]
    statements: tuple[str, ...]
    action_by: str
    remedy: str


def rules(shapes: Graph | None = None, data: Graph | None = None) -> list[Rule]:
    """Every node shape of the packaged shapes, with the sections it enforces (labelled from ``data``)."""
    shapes = shapes if shapes is not None else load_shapes()
    nodes = sorted({s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}, key=str)
    names = Names.from_graph(data, _sections(shapes)) if data is not None else Names()
    return [_rule(shapes, shape, names) for shape in nodes]


def _rule(shapes: Graph, shape: Node, names: Names) -> Rule:
    """The annotations of node shape ``shape``, its sections named from ``names``."""
    return Rule(
        shape=str(shape),
        label=str(shapes.value(shape, RDFS.label) or shape),
        family=str(shapes.value(shape, ITOPS.ruleFamily) or ""),
        description=str(shapes.value(shape, SH.description) or ""),
        sections=tuple(sorted(names.label(s) for s in shapes.objects(shape, ITOPS.enforcesSection))),
        statements=tuple(sorted(str(s) for s in shapes.objects(shape, ITOPS.enforcesStatement))),
        action_by=str(shapes.value(shape, ITOPS.actionBy) or ""),
        remedy=str(shapes.value(shape, ITOPS.remedy) or ""),
    )


def _sections(shapes: Graph) -> set[Node]:
    return set(shapes.objects(None, ITOPS.enforcesSection))


@dataclass(frozen=True)
class Names:
    """What the report calls focus nodes and sections: their labels and ODS codes, by IRI.

    >>> Names({"urn:x": "Riverside"}).label(URIRef("urn:x")), Names().label(URIRef("urn:y"))
    ('Riverside', 'urn:y')
    """

    labels: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)

    def label(self, node: Node) -> str:
        """The label of ``node``, or its IRI (empty for a blank node)."""
        return self.labels.get(str(node)) or _name(node)

    @classmethod
    def from_graph(cls, graph: Graph, subjects: Iterable[Node]) -> Names:
        """The labels and codes of ``subjects`` in an rdflib graph."""
        return cls._read(subjects, lambda s, p: graph.value(s, p))

    @classmethod
    def from_store(cls, store: ox.Store, subjects: Iterable[Node]) -> Names:
        """The labels and codes of ``subjects`` in a pyoxigraph store (any graph)."""

        def value(subject: URIRef, predicate: URIRef) -> str | None:
            quads = store.quads_for_pattern(ox.NamedNode(str(subject)), ox.NamedNode(str(predicate)), None)
            return next((q.object.value for q in quads if isinstance(q.object, ox.Literal)), None)

        return cls._read(subjects, value)

    @classmethod
    def from_endpoint(cls, endpoint: Endpoint, subjects: Iterable[Node]) -> Names:
        """The labels and codes of ``subjects`` in an endpoint's graph, 200 subjects a query."""
        labels: dict[str, str] = {}
        codes: dict[str, str] = {}
        named = sorted({str(n) for n in subjects if isinstance(n, URIRef)})
        wanted = f"VALUES ?p {{ {RDFS.label.n3()} {ITOPS.odsCode.n3()} }}"
        for start in range(0, len(named), 200):
            chunk = " ".join(URIRef(n).n3() for n in named[start : start + 200])
            query = f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {chunk} }} {wanted} ?s ?p ?o }}"
            for s_, p_, o_ in endpoint.select(query).rows:
                if isinstance(o_, Literal) and s_ is not None:
                    (labels if p_ == RDFS.label else codes).setdefault(str(s_), str(o_))
        return cls(labels, codes)

    @classmethod
    def _read(cls, subjects: Iterable[Node], value: Callable[[URIRef, URIRef], object | None]) -> Names:
        labels: dict[str, str] = {}
        codes: dict[str, str] = {}
        for subject in subjects:
            if not isinstance(subject, URIRef):
                continue
            for predicate, found in ((RDFS.label, labels), (ITOPS.odsCode, codes)):
                text = value(subject, predicate)
                if text is not None:
                    found[str(subject)] = str(text)
        return cls(labels, codes)


@dataclass(frozen=True)
class Finding:
    """One result of validation: a focus node that breaks a shape."""

    focus: str
    organisation: str
    ods_code: str
    severity: str
    shape: str
    rule: str
    rule_label: str
    family: str
    path: str
    value: str
    message: str
    sections: tuple[str, ...]
    action_by: str
    remedy: str

    @property
    def organisation_id(self) -> str:
        """What names the organisation across runs: its ODS code, else its IRI, else its name."""
        return self.ods_code or self.focus or self.organisation


@dataclass(frozen=True)
class Report:
    """The outcome of a validation: conforms when there is no finding of Violation severity.

    ``results`` are the engine's results; :attr:`results_graph` is the standard SHACL report,
    pySHACL's own graph when it ran (``engine_graph``), otherwise built from ``results`` on first use.
    """

    findings: tuple[Finding, ...]
    results: tuple[FastResult, ...] = field(default=(), repr=False, compare=False)
    shapes_run: int = 0
    focus_nodes: int = 0
    organisations: int = 0
    statements: int = 0
    engine_graph: Graph | None = field(default=None, repr=False, compare=False)

    @cached_property
    def results_graph(self) -> Graph:
        """The standard SHACL validation report graph."""
        if self.engine_graph is not None:
            return self.engine_graph
        return results_graph(self.results)

    @property
    def violations(self) -> list[Finding]:
        """Findings of Violation severity."""
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings of Warning or Info severity."""
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when no finding is a Violation (warnings do not fail)."""
        return not self.violations

    def affected(self) -> dict[str, list[Finding]]:
        """Findings grouped by focus node, in a stable order."""
        groups: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            groups[finding.focus].append(finding)
        return dict(sorted(groups.items(), key=lambda kv: (kv[1][0].organisation.casefold(), kv[0])))


def validate_graph(
    data: Graph, *, shapes: Graph | None = None, ontology: Graph | None = None, inference: Inference = "none"
) -> Report:
    """Validate ``data`` (which must hold the ontology's subclass axioms) against the shapes."""
    from pyshacl import validate as shacl_validate  # the reference engine: imported only when it runs

    shapes = shapes if shapes is not None else load_shapes()
    _, results, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology if inference != "none" else None,
        inference=inference,
        allow_warnings=True,
        advanced=False,
        meta_shacl=False,
    )
    if not isinstance(results, Graph):
        raise TypeError("pySHACL returned no results graph")
    found = read_results(results)
    names = Names.from_graph(data, {r.focus for r in found} | _sections(shapes))
    counts = (len(set(data.subjects(ITOPS.odsCode))), len(set(data.subjects(ITOPS.fromDocument))))
    return _report(found, shapes, names, counts, engine_graph=results)


def _report(
    results: Sequence[FastResult],
    shapes: Graph,
    names: Names,
    counts: tuple[int, int],
    *,
    engine_graph: Graph | None = None,
) -> Report:
    """A report from the engine's results, with names read from ``names``.

    ``counts`` is how many register organisations and document statements were checked.
    """
    findings = tuple(sorted(_findings(results, shapes, names), key=_finding_key))
    return Report(
        findings=findings,
        results=tuple(results),
        shapes_run=len(set(shapes.subjects(RDF.type, SH.NodeShape))),
        focus_nodes=len({f.focus for f in findings}),
        organisations=counts[0],
        statements=counts[1],
        engine_graph=engine_graph,
    )


def validate(kg: KnowledgeGraph, *, inference: Inference = "none", engine: Engine = "auto") -> Report:
    """Validate everything loaded in ``kg`` (ontology, documents and registers) against the documents' rules.

    ``engine`` is ``oxigraph`` (the shapes compiled to whole-graph SPARQL; the default, tested to
    give pySHACL's findings) or ``pyshacl`` (the reference). With ``inference`` the entailments
    of the ontology are added to the data first, for either engine.
    """
    return validate_data(kg.union(), inference=inference, engine=engine)


def validate_data(data: Graph, *, inference: Inference = "none", engine: Engine = "auto") -> Report:
    """Validate ``data`` (the ontology, the documents and registers, in one graph; extended in place).

    Today's names (ICB, DCB0160, HSCN...) are checked as the 2013 ones: their 2013 equivalents are
    added to ``data`` first.
    """
    data = map_to_2013(data)
    if choose_engine(engine) == "pyshacl":
        ontology = ontology_graph() if inference != "none" else None
        return validate_graph(data, ontology=ontology, inference=inference)
    if inference != "none":
        data = entail(data, inference)
    return validate_store(store_from_graph(data), data=data)


def validate_inputs(
    paths: Sequence[str],
    *,
    engine: Engine = "auto",
    inference: Inference = "none",
    progress: bool = False,
    store_dir: Path | None = None,
) -> Report:
    """Validate the bundled documents and the register files ``paths`` (CSV or RDF) against the documents' rules.

    The one path from files to a report: the loader checks and reads every file (each must hold an
    organisation), the chosen engine runs the shapes, and the report says how much it checked.
    ``store_dir`` keeps the fast engine's store on disk, for registers beyond memory.

    Raises:
        InputError: a file is missing, unreadable, malformed, holds no organisation, or contradicts another.
        ParameterError: an unknown engine.
    """
    if choose_engine(engine) == "oxigraph" and inference == "none":
        with opened_inputs(paths, progress=progress, store_dir=store_dir) as store:
            return validate_store(store)
    if store_dir is not None:
        raise ParameterError("--store", "an on-disk store is used by the fast engine without inference")
    return validate_data(graph_from_inputs(paths), inference=inference, engine=engine)


def choose_engine(engine: Engine) -> TypingLiteral["pyshacl", "oxigraph"]:
    """The engine that runs: ``auto`` is the fast engine at every size (pySHACL stays the reference).

    Raises:
        ParameterError: an unknown engine name.
    """
    if engine in ("auto", "oxigraph"):
        return "oxigraph"
    if engine == "pyshacl":
        return "pyshacl"
    raise ParameterError("--engine", f"unknown engine {engine!r}; use {', '.join(ENGINES)}")


def entail(data: Graph, inference: Inference) -> Graph:
    """A copy of ``data`` with the ontology mixed in and its RDFS or OWL RL entailments added (as pySHACL does)."""
    import owlrl  # a dependency of pySHACL, needed only for inference
    from pyshacl.inference import CustomRDFSSemantics  # pySHACL's RDFS: no axiomatic literals, as the reference

    closed = Graph()
    for triple in data:
        closed.add(triple)
    for triple in ontology_graph():
        closed.add(triple)
    semantics = CustomRDFSSemantics if inference == "rdfs" else owlrl.OWLRL_Semantics
    owlrl.DeductiveClosure(semantics).expand(closed)
    for triple in [t for t in closed if isinstance(t[0], Literal)]:  # RDFS's generalised triples: not RDF data
        closed.remove(triple)
    return closed


def validate_store(store: ox.Store, *, data: Graph | None = None, shapes: Graph | None = None) -> Report:
    """Validate the data in a pyoxigraph Store with the compiled shapes (the fast engine).

    The names of focus nodes and sections in the report are read from ``data`` where it is given
    (the graph the store was built from), otherwise from the store.
    """
    shapes = shapes if shapes is not None else load_shapes()

    update = mapping_update(StoreGraph(store))  # the store holds the ontology, shared.ttl and lineage.ttl
    if update:
        store.update(update)
    counts = store_counts(store)  # first: its DISTINCT set is freed before the checks' memory is taken
    results = run_checks(store, compile_shapes(shapes))
    named = {r.focus for r in results} | _sections(shapes)
    names = Names.from_graph(data, named) if data is not None else Names.from_store(store, named)
    return _report(results, shapes, names, counts)


#: What a report says it checked: register organisations (subjects with an ODS code) and document statements.
_COUNTS = (
    f"SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE {{ ?org {ITOPS.odsCode.n3()} ?code }}",
    f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s {ITOPS.fromDocument.n3()} ?doc }}",
)


def store_counts(store: ox.Store) -> tuple[int, int]:
    """How many register organisations (subjects with an ODS code) and document statements ``store`` holds."""
    counts = []
    for text in _COUNTS:
        for solution in select(store, text, union=True):
            value = solution["n"]
            counts.append(int(value.value) if isinstance(value, ox.Literal) else 0)
    return counts[0], counts[1]


def validate_endpoint(endpoint: Endpoint, *, shapes: Graph | None = None) -> Report:
    """Validate the data a SPARQL 1.1 endpoint already holds (its ``--graph``) with the compiled shapes.

    The store must hold the ontology and the documents as well as the registers (``itops push``
    loads them together). Today's names are not mapped to the 2013 ones here: the store is not
    written to.

    Raises:
        EndpointError: the endpoint cannot be reached or answers with an error.
        EndpointGraphError: the graph holds no triples or not the itops ontology (a mistyped
            ``--graph``); raised before any check runs.
    """

    # a mistyped --graph (empty, or not the itops data) must not pass as "no findings": refuse it first
    endpoint.require_itops_graph()
    shapes = shapes if shapes is not None else load_shapes()

    def execute(query: str) -> list[Row]:  # every column: paths, keys and routes keep results apart
        result = endpoint.select(query)
        return result_rows(list(result.columns), result.rows)

    results = run_checks(execute, compile_shapes(shapes))
    names = Names.from_endpoint(endpoint, {r.focus for r in results} | _sections(shapes))
    counts = []
    for text in _COUNTS:
        rows = endpoint.select(text).rows
        counts.append(int(str(rows[0][0])) if rows and rows[0][0] is not None else 0)
    return _report(results, shapes, names, (counts[0], counts[1]))


def _finding_key(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.organisation.casefold(), f.focus, f.severity, f.shape, f.value)


def _owner(shapes: Graph, shape: Node) -> Node:
    """The node shape a property shape belongs to (the shape itself for a node shape)."""
    owner = shapes.value(None, SH.property, shape)
    if owner is not None:
        return owner
    owner = shapes.value(None, SH.sparql, shape)
    return owner if owner is not None else shape


def _name(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return ""
    return str(term)


def _findings(results: Iterable[FastResult], shapes: Graph, names: Names) -> Iterator[Finding]:
    """One finding per result, each rule's annotations read from the shapes once."""
    owners: dict[Node, tuple[Node, Rule, str, str]] = {}
    for result in results:
        if result.shape not in owners:
            owner = _owner(shapes, result.shape)
            message = shapes.value(owner, SH.message)
            owners[result.shape] = (
                owner,
                _rule(shapes, owner, names),
                str(shapes.value(owner, RDFS.label) or _name(owner)),
                str(message) if message is not None else "",
            )
        owner, rule, rule_label, default = owners[result.shape]
        focus = _name(result.focus)
        yield Finding(
            focus=focus,
            organisation=names.labels.get(focus) or focus,
            ods_code=names.codes.get(focus, ""),
            severity=SEVERITY_NAMES.get(result.severity, str(result.severity)),
            shape=_name(result.shape),
            rule=_name(owner),
            rule_label=rule_label,
            family=rule.family,
            path=_name(result.path),
            value=_name(result.value),
            message=result.message if result.message is not None else default,
            sections=rule.sections,
            action_by=rule.action_by,
            remedy=rule.remedy,
        )


# ------------------------------------------------------------------------------------------------
# Any data against any shapes (``itops validate --shapes FILE... DATA...``)
# ------------------------------------------------------------------------------------------------

EngineName = TypingLiteral["oxigraph", "pyshacl"]


@dataclass(frozen=True)
class AnyReport:
    """The report of :func:`validate_any`: the standard report graph, and notices for the user."""

    graph: Graph
    conforms: bool
    notices: tuple[str, ...] = ()
    results: tuple[FastResult, ...] = ()

    @property
    def violations(self) -> int:
        """How many results are of sh:Violation severity (the CLI exits 1 when there is one; warnings never fail)."""
        return sum(1 for _ in self.graph.subjects(SH.resultSeverity, SH.Violation))


def validate_any(
    data_paths: Sequence[str], shapes_paths: Sequence[str], *, engine: EngineName = "oxigraph", fallback: bool = True
) -> AnyReport:
    """Validate any RDF data files against any SHACL shapes files; nothing bundled is loaded.

    ``engine="oxigraph"`` compiles the shapes; a shape it does not compile runs on pySHACL (with a
    notice) when ``fallback``, or is refused. ``engine="pyshacl"`` runs the reference engine.

    Raises:
        InputError: a data or shapes file is missing or malformed.
        UnsupportedShapeError: (``fallback=False``) a shape uses a component the engine does not compile.
    """
    shapes = rdf_graph(shapes_paths)
    if engine == "pyshacl":  # the files are parsed by Oxigraph, for line-numbered errors and literals as written
        report = pyshacl_report(rdf_graph(data_paths), shapes)
        return AnyReport(report, _conforms(report))
    store = rdf_store(data_paths)
    compiled = compile_shapes(shapes, fallback=fallback)
    results = run_checks(store, compiled)
    # the fallback reads the files again with Oxigraph's parser, which keeps literals as written (the store does not)
    data = rdf_graph(data_paths) if compiled.fallback else None
    if data is not None:
        results += run_fallback(data, compiled)
    graph = results_graph(results, shapes=shapes, allow_warnings=False)
    describe_blank_nodes(store, graph)
    if data is not None:
        describe_blank_nodes(data, graph)
    return AnyReport(graph, _conforms(graph), tuple(f.notice for f in compiled.fallback), tuple(results))


def _conforms(report: Graph) -> bool:
    return all(t.toPython() is True for t in report.objects(None, SH.conforms) if isinstance(t, Literal))


__all__: Sequence[str] = [
    "Finding",
    "Report",
    "Rule",
    "load_shapes",
    "rules",
    "validate",
    "validate_inputs",
    "validate_data",
    "validate_any",
    "AnyReport",
    "validate_graph",
    "validate_store",
    "choose_engine",
    "entail",
    "ENGINES",
]
