"""A fast SHACL engine for large registers: each shape compiled to whole-graph SPARQL, run on Oxigraph.

pySHACL (the reference) evaluates constraints focus node by focus node; on hundreds of thousands
of triples that grows quadratically. Here every constraint component of every shape becomes one
SPARQL query over the whole graph, run by pyoxigraph, so the cost grows with the size of the
data. The subset of SHACL compiled is the one the packaged shapes use, and anything else is
refused loudly rather than skipped:

- targets: ``sh:targetClass`` (with ``rdfs:subClassOf*``), ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, ``sh:targetNode``;
- property shapes with a predicate path and ``sh:minCount``/``sh:maxCount`` (1),
  ``sh:hasValue``, ``sh:class``, ``sh:datatype``, ``sh:in``, ``sh:minLength``, ``sh:or``,
  ``sh:not``, ``sh:node`` and ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount`` (1);
- node-level ``sh:or``, ``sh:not``, ``sh:class``, ``sh:hasValue``, ``sh:in``;
- SHACL-SPARQL ``sh:sparql`` SELECT constraints with ``$this`` and ``sh:prefixes``.

Absence tests are written with ``MINUS`` rather than a correlated ``FILTER NOT EXISTS`` where the
top level allows it, because Oxigraph evaluates ``MINUS`` linearly. The results form a standard
SHACL validation report graph, compared with pySHACL's by the tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this engine does not compile."""


@dataclass(frozen=True)
class CompiledCheck:
    """One SPARQL query that returns the violations of one constraint component of one shape."""

    shape: Node
    component: URIRef
    severity: URIRef
    message: str | None
    path: URIRef | None
    query: str
    has_value: bool


def _int(term: Node | None) -> int:
    if not isinstance(term, Literal):
        raise UnsupportedShape(f"expected a number, got {term}")
    return int(term.toPython())


def _n3(term: Node) -> str:
    if isinstance(term, (URIRef, Literal)):
        return term.n3()
    raise UnsupportedShape(f"cannot use blank node {term} as a value in a compiled query")


class Compiler:
    """Compiles the shapes of a shapes graph into SPARQL checks."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._fresh = itertools.count(1)

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    def lst(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    # ------------------------------------------------------------------ targets

    def targets(self, shape: Node) -> str | None:
        parts = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            parts.append(f"{{ ?this {SUBCLASS} {_n3(cls)} . }}")
        for prop in self.shapes.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_n3(prop)} [] . }}")
        for prop in self.shapes.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ [] {_n3(prop)} ?this . }}")
        for node in self.shapes.objects(shape, SH.targetNode):
            parts.append(f"{{ BIND({_n3(node)} AS ?this) }}")
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    # ------------------------------------------------------------------ conformance as an expression

    def conforms(self, shape: Node, v: str) -> str:
        """A SPARQL boolean expression: the node bound to ``v`` conforms to ``shape``."""
        if (shape, SH.path, None) in self.shapes:
            return self._property_conforms(shape, v)
        parts = self._value_conditions(shape, v)
        for ps in self.shapes.objects(shape, SH.property):
            parts.append(self._property_conforms(ps, v))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def _value_conditions(self, shape: Node, v: str, *, with_has_value: bool = True) -> list[str]:
        """Conditions on the node ``v`` itself (``sh:hasValue`` is left out for a property shape's values)."""
        g = self.shapes
        parts = []
        for cls in g.objects(shape, SH["class"]):
            parts.append(f"EXISTS {{ {v} {SUBCLASS} {_n3(cls)} }}")
        if with_has_value:
            for value in g.objects(shape, SH.hasValue):
                parts.append(f"sameTerm({v}, {_n3(value)})")
        for dt in g.objects(shape, SH.datatype):
            extra = f" && lang({v}) = \"\"" if dt == XSD.string else ""
            parts.append(f"(isLiteral({v}) && datatype({v}) = {_n3(dt)}{extra})")
        for values in g.objects(shape, SH["in"]):
            parts.append(f"({v} IN ({', '.join(_n3(x) for x in self.lst(values))}))")
        for n in g.objects(shape, SH.minLength):
            parts.append(f"(!isBlank({v}) && STRLEN(STR({v})) >= {_int(n)})")
        for alternatives in g.objects(shape, SH["or"]):
            parts.append("(" + " || ".join(self.conforms(a, v) for a in self.lst(alternatives)) + ")")
        for negated in g.objects(shape, SH["not"]):
            parts.append(f"!({self.conforms(negated, v)})")
        for node in g.objects(shape, SH.node):
            parts.append(self.conforms(node, v))
        return parts

    def _path(self, shape: Node) -> URIRef:
        path = self.shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            raise UnsupportedShape(f"shape {shape}: only predicate paths are compiled")
        return path

    def _property_conforms(self, ps: Node, v: str) -> str:
        g = self.shapes
        p = _n3(self._path(ps))
        parts = []
        for n in g.objects(ps, SH.minCount):
            if _int(n) != 1:
                raise UnsupportedShape(f"shape {ps}: sh:minCount {n} (only 1 is compiled)")
            parts.append(f"EXISTS {{ {v} {p} [] }}")
        for n in g.objects(ps, SH.maxCount):
            if _int(n) != 1:
                raise UnsupportedShape(f"shape {ps}: sh:maxCount {n} (only 1 is compiled)")
            a, b = self.var(), self.var()
            parts.append(f"NOT EXISTS {{ {v} {p} {a} . {v} {p} {b} . FILTER({a} != {b}) }}")
        for value in g.objects(ps, SH.hasValue):
            parts.append(f"EXISTS {{ {v} {p} {_n3(value)} }}")
        for qshape in g.objects(ps, SH.qualifiedValueShape):
            qmin = g.value(ps, SH.qualifiedMinCount)
            if qmin is None or _int(qmin) != 1 or (ps, SH.qualifiedMaxCount, None) in g:
                raise UnsupportedShape(f"shape {ps}: only sh:qualifiedMinCount 1 is compiled")
            x = self.var()
            parts.append(f"EXISTS {{ {v} {p} {x} . FILTER({self.conforms(qshape, x)}) }}")
        x = self.var()
        value_parts = self._value_conditions(ps, x, with_has_value=False)
        if value_parts:
            parts.append(f"NOT EXISTS {{ {v} {p} {x} . FILTER(!({' && '.join(value_parts)})) }}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    # ------------------------------------------------------------------ violation queries

    def compile(self) -> list[CompiledCheck]:
        """Every check of every node shape with a target."""
        checks: list[CompiledCheck] = []
        for shape in sorted(set(self.shapes.subjects(RDF.type, SH.NodeShape)), key=str):
            if (shape, SH.deactivated, Literal(True)) in self.shapes:
                continue
            targets = self.targets(shape)
            if targets is None:
                continue
            checks.extend(self._node_checks(shape, targets))
            for ps in sorted(self.shapes.objects(shape, SH.property), key=str):
                if (ps, SH.deactivated, Literal(True)) not in self.shapes:
                    checks.extend(self._property_checks(ps, targets))
            for constraint in self.shapes.objects(shape, SH.sparql):
                checks.append(self._sparql_check(shape, constraint, targets))
        return checks

    def _severity(self, shape: Node) -> URIRef:
        value = self.shapes.value(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def _message(self, shape: Node) -> str | None:
        value = self.shapes.value(shape, SH.message)
        return None if value is None else str(value)

    def _node_checks(self, shape: Node, targets: str) -> Iterator[CompiledCheck]:
        g = self.shapes
        components = {
            SH["or"]: SH.OrConstraintComponent, SH["not"]: SH.NotConstraintComponent,
            SH["class"]: SH.ClassConstraintComponent, SH.hasValue: SH.HasValueConstraintComponent,
            SH["in"]: SH.InConstraintComponent, SH.node: SH.NodeConstraintComponent,
        }
        for key, component in components.items():
            for obj in g.objects(shape, key):
                condition = self._single_condition(key, obj, "?this")
                query = f"SELECT ?this ?value WHERE {{ {targets} FILTER(!({condition})) BIND(?this AS ?value) }}"
                yield CompiledCheck(shape, component, self._severity(shape), self._message(shape), None, query, True)
        for unsupported in (SH.minCount, SH.maxCount, SH.datatype, SH.minLength, SH.closed, SH.pattern):
            if (shape, unsupported, None) in g:
                raise UnsupportedShape(f"node shape {shape}: {unsupported} at node level is not compiled")

    def _single_condition(self, key: URIRef, obj: Node, v: str) -> str:
        if key == SH["or"]:
            return "(" + " || ".join(self.conforms(a, v) for a in self.lst(obj)) + ")"
        if key == SH["not"]:
            return f"!({self.conforms(obj, v)})"
        if key == SH["class"]:
            return f"EXISTS {{ {v} {SUBCLASS} {_n3(obj)} }}"
        if key == SH.hasValue:
            return f"sameTerm({v}, {_n3(obj)})"
        if key == SH["in"]:
            return f"({v} IN ({', '.join(_n3(x) for x in self.lst(obj))}))"
        return self.conforms(obj, v)

    def _property_checks(self, ps: Node, targets: str) -> Iterator[CompiledCheck]:
        g = self.shapes
        path = self._path(ps)
        p = _n3(path)
        severity, message = self._severity(ps), self._message(ps)

        def check(component: URIRef, query: str, has_value: bool) -> CompiledCheck:
            return CompiledCheck(ps, component, severity, message, path, query, has_value)

        for n in g.objects(ps, SH.minCount):
            if _int(n) != 1:
                raise UnsupportedShape(f"shape {ps}: sh:minCount {n} (only 1 is compiled)")
            yield check(SH.MinCountConstraintComponent,
                        f"SELECT ?this WHERE {{ {targets} MINUS {{ ?this {p} [] }} }}", False)
        for n in g.objects(ps, SH.maxCount):
            if _int(n) != 1:
                raise UnsupportedShape(f"shape {ps}: sh:maxCount {n} (only 1 is compiled)")
            yield check(SH.MaxCountConstraintComponent,
                        f"SELECT DISTINCT ?this WHERE {{ {targets} ?this {p} ?a . ?this {p} ?b . FILTER(?a != ?b) }}",
                        False)
        for value in g.objects(ps, SH.hasValue):
            yield check(SH.HasValueConstraintComponent,
                        f"SELECT ?this WHERE {{ {targets} MINUS {{ ?this {p} {_n3(value)} }} }}", False)
        for cls in g.objects(ps, SH["class"]):
            yield check(SH.ClassConstraintComponent,
                        f"SELECT ?this ?value WHERE {{ {{ {targets} ?this {p} ?value . }} "
                        f"MINUS {{ ?value {SUBCLASS} {_n3(cls)} . }} }}", True)
        per_value = {
            SH.datatype: SH.DatatypeConstraintComponent, SH["in"]: SH.InConstraintComponent,
            SH.minLength: SH.MinLengthConstraintComponent, SH["or"]: SH.OrConstraintComponent,
            SH["not"]: SH.NotConstraintComponent, SH.node: SH.NodeConstraintComponent,
        }
        for key, component in per_value.items():
            for obj in g.objects(ps, key):
                if key == SH.datatype:
                    extra = ' && lang(?value) = ""' if obj == XSD.string else ""
                    condition = f"(isLiteral(?value) && datatype(?value) = {_n3(obj)}{extra})"
                elif key == SH.minLength:
                    condition = f"(!isBlank(?value) && STRLEN(STR(?value)) >= {_int(obj)})"
                else:
                    condition = self._single_condition(key, obj, "?value")
                yield check(component,
                            f"SELECT ?this ?value WHERE {{ {targets} ?this {p} ?value . FILTER(!({condition})) }}", True)
        for qshape in g.objects(ps, SH.qualifiedValueShape):
            qmin = g.value(ps, SH.qualifiedMinCount)
            if qmin is None or _int(qmin) != 1:
                raise UnsupportedShape(f"shape {ps}: only sh:qualifiedMinCount 1 is compiled")
            x = self.var()
            yield check(SH.QualifiedMinCountConstraintComponent,
                        f"SELECT ?this WHERE {{ {targets} FILTER(NOT EXISTS {{ ?this {p} {x} . "
                        f"FILTER({self.conforms(qshape, x)}) }}) }}", False)

    def _sparql_check(self, shape: Node, constraint: Node, targets: str) -> CompiledCheck:
        g = self.shapes
        select = g.value(constraint, SH.select)
        if select is None:
            raise UnsupportedShape(f"SPARQL constraint {constraint} has no sh:select")
        prefixes = []
        for declarations in g.objects(constraint, SH.prefixes):
            for decl in g.objects(declarations, SH.declare):
                prefixes.append(f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>")
        body = str(select).replace("$this", "?this")
        query = "\n".join(prefixes) + f"\nSELECT ?this ?value WHERE {{ {targets} {{ {body} }} }}"
        message = g.value(constraint, SH.message)
        severity = g.value(constraint, SH.severity) or self.shapes.value(shape, SH.severity) or SH.Violation
        assert isinstance(severity, URIRef)
        return CompiledCheck(shape, SH.SPARQLConstraintComponent, severity,
                             str(message) if message is not None else self._message(shape), None, query, True)


# ------------------------------------------------------------------------------------------------
# Running the checks
# ------------------------------------------------------------------------------------------------


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@dataclass(frozen=True)
class FastResult:
    """One validation result of the fast engine."""

    focus: Node
    path: URIRef | None
    value: Node | None
    shape: Node
    component: URIRef
    severity: URIRef
    message: str | None


Executor = Callable[[str], Iterable[tuple[Node | None, Node | None]]]
"""Runs one compiled query and yields (``?this``, ``?value``) pairs as rdflib terms."""


def oxigraph_executor(store: ox.Store) -> Executor:
    """An executor over a pyoxigraph Store, its default graph the union of its graphs."""

    def execute(query: str) -> Iterator[tuple[Node | None, Node | None]]:
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        has_value = any(v.value == "value" for v in solutions.variables)
        for solution in solutions:
            value = solution["value"] if has_value else None
            yield _to_rdflib(solution["this"]), (_to_rdflib(value) if value is not None else None)

    return execute


def run_checks(target: ox.Store | Executor, checks: Sequence[CompiledCheck]) -> list[FastResult]:
    """Run every compiled check on a pyoxigraph Store or through an executor (e.g. a SPARQL endpoint)."""
    execute = oxigraph_executor(target) if isinstance(target, ox.Store) else target
    results: list[FastResult] = []
    for check in checks:
        seen: set[tuple[Node, Node | None]] = set()
        for focus, raw_value in execute(check.query):
            if focus is None:
                continue
            value = raw_value if check.has_value else None
            if (focus, value) in seen:
                continue
            seen.add((focus, value))
            results.append(FastResult(focus, check.path, value, check.shape, check.component, check.severity, check.message))
    return results


def results_graph(results: Iterable[FastResult]) -> Graph:
    """The results as a standard SHACL validation report graph."""
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    for i, r in enumerate(results):
        node = BNode(f"r{i}")
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, r.focus))
        graph.add((node, SH.sourceShape, r.shape))
        graph.add((node, SH.sourceConstraintComponent, r.component))
        graph.add((node, SH.resultSeverity, r.severity))
        if r.path is not None:
            graph.add((node, SH.resultPath, r.path))
        if r.value is not None:
            graph.add((node, SH.value, r.value))
        if r.message is not None:
            graph.add((node, SH.resultMessage, Literal(r.message)))
        if r.severity == SH.Violation:
            conforms = False
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def compile_shapes(shapes: Graph) -> list[CompiledCheck]:
    """Compile ``shapes``; raises UnsupportedShape for features this engine does not handle."""
    return Compiler(shapes).compile()
