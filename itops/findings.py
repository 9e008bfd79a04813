"""Findings: what the engine's results mean, in the words of the documents.

:func:`report` turns the engine's results into a :class:`Report`: per organisation, what is wrong
in plain words, which rule of which document section it breaks, and who the documents say acts on
it; and how much was checked, so that a report on nothing never reads as a pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from itops.fastshacl import EngineRun, FastResult, results_graph
from itops.loader import Loaded, load_shapes
from itops.namespace import ITOPS
from itops.terms import select, to_rdflib

if TYPE_CHECKING:
    from itops.endpoint import Endpoint

SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Rule:
    """A rule (node shape) with the annotations the report shows."""

    shape: str
    """The node shape's IRI."""
    sections: tuple[str, ...]
    """The labels of the document sections it enforces, sorted."""
    statements: tuple[str, ...]
    """The IRIs of the documents' statements it enforces, sorted."""
    label: str
    """Its ``rdfs:label``: the rule's name in reports."""
    family: str
    """The family of rules it belongs to (``itops:ruleFamily``): registration authority, information governance..."""
    description: str
    """What it checks and the passage it quotes (``sh:description``)."""
    action_by: str
    """Who the documents say acts on a finding (``itops:actionBy``)."""
    remedy: str
    """What to do about a finding (``itops:remedy``)."""


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
        sections=tuple(sorted(names.label(s) for s in shapes.objects(shape, ITOPS.enforcesSection))),
        statements=tuple(sorted(str(s) for s in shapes.objects(shape, ITOPS.enforcesStatement))),
        label=str(shapes.value(shape, RDFS.label) or shape),
        family=str(shapes.value(shape, ITOPS.ruleFamily) or ""),
        description=str(shapes.value(shape, SH.description) or ""),
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
    def of(cls, data: ox.Store | Graph | Endpoint, subjects: Iterable[Node]) -> Names:
        """The labels and codes of ``subjects`` in ``data``, wherever it is held."""
        if isinstance(data, Graph):
            return cls.from_graph(data, subjects)
        if isinstance(data, ox.Store):
            return cls.from_store(data, subjects)
        return cls.from_endpoint(data, subjects)

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
    the engine's own graph where it made one (``engine_graph``: pySHACL's, or an any-shapes run's),
    otherwise built from ``results`` on first use. ``notices`` are for the user (shapes that ran on
    pySHACL). A ``standalone`` report is of any shapes over any data (``--shapes``), and says how
    many data ``triples`` it checked instead of organisations and statements.
    """

    findings: tuple[Finding, ...]
    results: tuple[FastResult, ...] = field(default=(), repr=False, compare=False)
    shapes_run: int = 0
    focus_nodes: int = 0
    organisations: int = 0
    statements: int = 0
    engine_graph: Graph | None = field(default=None, repr=False, compare=False)
    notices: tuple[str, ...] = ()
    standalone: bool = False
    triples: int = 0
    unread: tuple[str, ...] = ()
    """The labels of the rules that had nothing recorded to read: no organisation of the registers
    records any property the obligations they check need (``itops:needsProperty``), and they found
    nothing, so their silence says nothing of the duty. ``itops obligations`` gives those duties as
    not recorded."""

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


def report(run: EngineRun, source: Loaded) -> Report:
    """The report of an engine's run over ``source``, its organisations and sections named from the data.

    A run of any shapes over any data (``source.standalone``: ``itops validate --shapes``) counts the
    data's triples, as there are no register organisations or document statements.
    """
    found, shapes, data, standalone = run.results, source.shapes, source.data, source.standalone
    named = {r.focus for r in found} | _sections(shapes)
    organisations, statements = _counts(data)
    unread = _unread(data, shapes) if organisations and not standalone else set()
    findings = tuple(sorted(_findings(found, shapes, Names.of(data, named)), key=_finding_key))
    return Report(
        findings=findings,
        results=tuple(found),
        shapes_run=run.shapes_run,
        focus_nodes=len({f.focus for f in findings}),
        organisations=organisations,
        statements=statements,
        engine_graph=run.graph,
        notices=run.notices,
        standalone=standalone,
        triples=_size(data) if standalone else 0,
        # a rule that fired read something (an absence it reports): only the silent ones read nothing
        unread=tuple(
            sorted(str(shapes.value(r, RDFS.label) or r) for r in unread - {URIRef(f.rule) for f in findings})
        ),
    )


#: What a report says it checked: register organisations (subjects with an ODS code) and document statements.
_COUNTS = (
    f"SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE {{ ?org {ITOPS.odsCode.n3()} ?code }}",
    f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s {ITOPS.fromDocument.n3()} ?doc }}",
)


def _counts(data: ox.Store | Graph | Endpoint) -> tuple[int, int]:
    """How many register organisations (subjects with an ODS code) and document statements ``data`` holds."""
    if isinstance(data, Graph):
        return len(set(data.subjects(ITOPS.odsCode))), len(set(data.subjects(ITOPS.fromDocument)))
    counts = []
    for text in _COUNTS:
        if isinstance(data, ox.Store):
            value = next(iter(select(data, text, union=True)))["n"]
            counts.append(int(value.value) if isinstance(value, ox.Literal) else 0)
        else:
            rows = data.select(text).rows
            counts.append(int(str(rows[0][0])) if rows and rows[0][0] is not None else 0)
    return counts[0], counts[1]


#: Each rule's needed properties: those of the obligations it checks (``itops:needsProperty``).
_NEEDS = f"SELECT ?rule ?needed WHERE {{ ?ob {ITOPS.checkedBy.n3()} ?rule ; {ITOPS.needsProperty.n3()} ?needed }}"


def _unread(data: ox.Store | Graph | Endpoint, shapes: Graph) -> set[Node]:
    """The rules run none of whose needed properties a register organisation records (see :attr:`Report.unread`)."""
    needs: dict[Node, set[URIRef]] = defaultdict(set)
    if isinstance(data, Graph):
        pairs: Iterable[tuple[Node | None, Node | None]] = (
            (rule, needed)
            for ob, rule in data.subject_objects(ITOPS.checkedBy)
            for needed in data.objects(ob, ITOPS.needsProperty)
        )
    elif isinstance(data, ox.Store):
        pairs = [(to_rdflib(r["rule"]), to_rdflib(r["needed"])) for r in select(data, _NEEDS, union=True)]
    else:
        pairs = [(rule, needed) for rule, needed in data.select(_NEEDS).rows]
    for rule, needed in pairs:
        if rule is not None and isinstance(needed, URIRef):
            needs[rule].add(needed)
    recorded = {p for p in set().union(*needs.values()) if _recorded(data, p)} if needs else set()
    silent = {rule for rule, props in needs.items() if not props & recorded}
    return silent & set(shapes.subjects(RDF.type, SH.NodeShape))


def _recorded(data: ox.Store | Graph | Endpoint, prop: URIRef) -> bool:
    """Whether some register organisation (a subject with an ODS code) has a value for ``prop``: stops at the first."""
    if isinstance(data, Graph):
        return any((s, ITOPS.odsCode, None) in data for s in data.subjects(prop))
    pattern = f"?org {prop.n3()} ?value ; {ITOPS.odsCode.n3()} ?code ."
    if isinstance(data, ox.Store):
        return bool(data.query(f"ASK {{ {pattern} }}", use_default_graph_as_union=True))
    return bool(data.select(f"SELECT ?org WHERE {{ {pattern} }} LIMIT 1").rows)


def _size(data: ox.Store | Graph | Endpoint) -> int:
    """How many triples ``data`` holds (an endpoint's are not counted: any-shapes runs read files)."""
    return len(data) if isinstance(data, ox.Store | Graph) else 0


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
