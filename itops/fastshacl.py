"""A fast SHACL engine: every constraint of every shape compiled to whole-graph SPARQL, run on Oxigraph.

pySHACL (the reference) evaluates constraints focus node by focus node; on hundreds of thousands
of triples that grows quadratically. Here every constraint component of every shape becomes one
SPARQL query over the whole graph, so the cost grows with the size of the data.

Complete or loud. :data:`COMPONENTS` is the one table of the SHACL Core constraint components and
parameters this engine compiles (like pySHACL's ``ALL_CONSTRAINT_COMPONENTS`` and
``CONSTRAINT_PARAMETERS_MAP``). Compiling scans every triple of every shape: a parameter of a
component the table does not claim, a parameter of a custom constraint component, or a form the
table refuses (a ``sh:zeroOrMorePath`` inside a nested shape, say) raises
:class:`~itops.errors.UnsupportedShapeError` naming the shape and the component, or, with
``fallback=True``, marks that top-level shape to be run on pySHACL. Nothing is skipped.

Portable queries. Negation is ``FILTER NOT EXISTS``, never ``MINUS`` (which builds its whole right
side, every instance of a class say, before it removes anything: on a large on-disk store that cost
hundreds of MB), and no property path is written inside ``(NOT) EXISTS`` (engines read those
differently): the subclass closure of every class the shapes name is computed first by a
separate query, and the compiled checks then use plain joins and ``VALUES``. ``sh:datatype`` checks
lexical validity too: the distinct literals of the datatypes concerned are read first and judged
in Python with rdflib (as pySHACL does), and the ill-typed ones are named in the checks.

Every condition is written once, in :meth:`_Compiler.value_ok` (a value node against one
component) and :meth:`_Compiler.component_ok` (a focus node against one component of a shape),
and the top-level queries are built from them.

Known limits, all tested:

- An Oxigraph store keeps valid literals in a canonical form: ``"01"^^xsd:integer`` is read back as
  ``"1"``, ``"4.0"^^xsd:decimal`` as ``"4"``, and every integer subtype (``xsd:byte``, ``xsd:int``...)
  as ``xsd:integer``. Results name values in that form; ``sh:datatype`` with an integer subtype is
  refused on Oxigraph (``compile_shapes(..., oxigraph=False)`` for other stores); and a value typed
  ``xsd:byte`` in the data passes ``sh:datatype xsd:integer`` (pySHACL reports it).
- ``sh:zeroOrMorePath``, ``sh:oneOrMorePath`` and ``sh:zeroOrOnePath`` are compiled at the top level
  only, not inside nested shapes (that would put a property path inside EXISTS); counts inside
  nested shapes are compiled up to :data:`MAX_NESTED_COUNT`; SHACL-SPARQL constraints on node
  shapes only, with ``$this`` (no ``$PATH``, ``$shapesGraph``, ``$currentShape``), their message
  templates filled with ``this``, ``value`` and ``path`` only.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from itops.errors import UnsupportedShapeError
from itops.terms import quiet_rdflib, to_rdflib

if TYPE_CHECKING:
    from itops.endpoint import Endpoint
    from itops.loader import Inference, Loaded

# ------------------------------------------------------------------------------------------------
# The registry: SHACL Core components, their parameters, and whether the engine compiles them
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """A SHACL constraint component: its parameters, and how the engine treats it."""

    iri: URIRef
    parameters: tuple[URIRef, ...]
    #: ``value``: a condition on each value node; ``focus``: a condition on the set of values of a focus node
    kind: TypingLiteral["value", "focus"]
    #: None when compiled; otherwise why not (the refusal names it)
    refused: str | None = None
    #: parameters that may be absent (the others are the component's mandatory ones)
    optional: tuple[URIRef, ...] = ()


#: Parameters read together with the parameter they qualify (sh:pattern's flags, sh:closed's ignored
#: properties, sh:qualifiedValueShape's counts and disjointness); they compile to no check of their own.
QUALIFIERS = frozenset(
    {SH.flags, SH.ignoredProperties, SH.qualifiedValueShapesDisjoint, SH.qualifiedMinCount, SH.qualifiedMaxCount}
)


def _c(
    name: str,
    params: Sequence[str],
    kind: TypingLiteral["value", "focus"],
    *,
    optional: Sequence[str] = (),
    refused: str | None = None,
) -> Component:
    return Component(
        SH[name + "ConstraintComponent"], tuple(SH[p] for p in params), kind, refused, tuple(SH[p] for p in optional)
    )


#: Every SHACL Core constraint component (and the SHACL-SPARQL, SHACL-JS and SHACL-AF ones pySHACL
#: knows), keyed by component IRI. ``refused`` is set for those the engine does not compile.
COMPONENTS: Mapping[URIRef, Component] = {
    c.iri: c
    for c in (
        _c("Class", ["class"], "value"),
        _c("Datatype", ["datatype"], "value"),
        _c("NodeKind", ["nodeKind"], "value"),
        _c("MinCount", ["minCount"], "focus"),
        _c("MaxCount", ["maxCount"], "focus"),
        _c("MinExclusive", ["minExclusive"], "value"),
        _c("MinInclusive", ["minInclusive"], "value"),
        _c("MaxExclusive", ["maxExclusive"], "value"),
        _c("MaxInclusive", ["maxInclusive"], "value"),
        _c("MinLength", ["minLength"], "value"),
        _c("MaxLength", ["maxLength"], "value"),
        _c("Pattern", ["pattern", "flags"], "value", optional=["flags"]),
        _c("LanguageIn", ["languageIn"], "value"),
        _c("UniqueLang", ["uniqueLang"], "focus"),
        _c("Equals", ["equals"], "focus"),
        _c("Disjoint", ["disjoint"], "focus"),
        _c("LessThan", ["lessThan"], "focus"),
        _c("LessThanOrEquals", ["lessThanOrEquals"], "focus"),
        _c("Not", ["not"], "value"),
        _c("And", ["and"], "value"),
        _c("Or", ["or"], "value"),
        _c("Xone", ["xone"], "value"),
        _c("Node", ["node"], "value"),
        _c("Property", ["property"], "focus"),
        _c(
            "QualifiedMinCount",
            ["qualifiedValueShape", "qualifiedMinCount", "qualifiedValueShapesDisjoint"],
            "focus",
            optional=["qualifiedValueShapesDisjoint"],
        ),
        _c(
            "QualifiedMaxCount",
            ["qualifiedValueShape", "qualifiedMaxCount", "qualifiedValueShapesDisjoint"],
            "focus",
            optional=["qualifiedValueShapesDisjoint"],
        ),
        _c("Closed", ["closed", "ignoredProperties"], "value", optional=["ignoredProperties"]),
        _c("HasValue", ["hasValue"], "focus"),
        _c("In", ["in"], "value"),
        _c("SPARQL", ["sparql"], "focus"),
        _c("JS", ["js"], "value", refused="SHACL-JavaScript is not run"),
        _c("Expression", ["expression"], "value", refused="SHACL-AF node expressions are not compiled"),
    )
}

#: Each constraint parameter → its component(s). ``sh:qualifiedValueShape`` belongs to two.
PARAMETERS: Mapping[URIRef, tuple[URIRef, ...]] = {
    p: tuple(c.iri for c in COMPONENTS.values() if p in c.parameters)
    for p in {p for c in COMPONENTS.values() for p in c.parameters}
}

#: The predicates that give a shape its focus nodes.
TARGETS: tuple[URIRef, ...] = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

#: Predicates of a shape that are not constraint parameters (targets, annotations, the path...).
NOT_PARAMETERS: frozenset[URIRef] = frozenset(
    {
        RDF.type,
        *TARGETS,
        SH.severity,
        SH.message,
        SH.name,
        SH.description,
        SH.order,
        SH.group,
        SH.defaultValue,
        SH.deactivated,
        SH.path,
        SH.rule,
        SH.shapesGraph,
        SH.entailment,
        SH.declare,
        SH.prefixes,
    }
)

#: SHACL-AF targets and rules are not constraints; pySHACL also ignores them unless ``advanced``.
_REFUSED_NON_PARAMETERS: Mapping[URIRef, str] = {
    SH.target: "SHACL-AF custom targets are not compiled",
}

#: Datatypes whose lexical space every string is in (no lexical check needed).
_ANY_LEXICAL = frozenset({XSD.string, RDF.langString, RDFS.Literal, RDFS.Datatype})

#: Oxigraph stores literals of these datatypes as xsd:integer, so their datatype cannot be checked there.
INTEGER_SUBTYPES = frozenset(
    XSD[n]
    for n in (
        "byte",
        "short",
        "int",
        "long",
        "unsignedByte",
        "unsignedShort",
        "unsignedInt",
        "unsignedLong",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
    )
)

#: Largest count a nested shape may ask for (it is written as that many distinct variables).
MAX_NESTED_COUNT = 4

#: Threads that run the checks: Oxigraph answers queries side by side, one per core (at most four).
WORKERS = max(1, min(4, os.cpu_count() or 1))

_NODE_KINDS: Mapping[URIRef, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARISONS: Mapping[URIRef, str] = {
    SH.minExclusive: ">",
    SH.minInclusive: ">=",
    SH.maxExclusive: "<",
    SH.maxInclusive: "<=",
}
_PATH_KINDS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


# ------------------------------------------------------------------------------------------------
# Terms in query text: serialised here, strictly (shape values are data, never query syntax)
# ------------------------------------------------------------------------------------------------

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return out.replace("\t", "\\t")


class _Refusal(Exception):
    """Raised inside the compiler; turned into UnsupportedShapeError with the shape's name."""

    def __init__(self, component: URIRef | str, reason: str) -> None:
        super().__init__(reason)
        self.component = component
        self.reason = reason


def sparql_term(term: Node) -> str:
    """``term`` as SPARQL syntax; blank nodes cannot be named in a query.

    >>> sparql_term(Literal("a\\"b", lang="en"))
    '"a\\\\"b"@en'
    """
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.search(str(term)):
            raise _Refusal("term", f"the IRI {str(term)!r} cannot be written in a query")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = f'"{_escape(str(term))}"'
        if term.language:
            if not re.fullmatch(r"[A-Za-z0-9-]+", term.language):
                raise _Refusal("term", f"bad language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{sparql_term(term.datatype)}"
        return text
    raise _Refusal("term", "a blank node in a shape cannot name a node of the data")


# ------------------------------------------------------------------------------------------------
# Compiled form
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Facts read from the data before the checks run: subclass closures and ill-typed literals."""

    subclasses: Mapping[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    ill_typed: Mapping[URIRef, frozenset[Literal]] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledCheck:
    """One SPARQL query returning the violations of one constraint component of one shape.

    The query selects ``?this`` and, where the result has them, ``?value`` and ``?path``.
    """

    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None
    query: str
    has_value: bool

    @property
    def message(self) -> str | None:
        """The first message, if any."""
        return str(self.messages[0]) if self.messages else None


@dataclass(frozen=True)
class Fallback:
    """A top-level shape the engine does not compile, and why."""

    shape: Node
    name: str
    component: str
    reason: str

    @property
    def notice(self) -> str:
        """One line for the user."""
        return f"shape {self.name} runs on pySHACL: {self.component} is not compiled ({self.reason})"


@dataclass(frozen=True)
class CompiledShapes:
    """A shapes graph compiled for the fast engine: render its checks with :meth:`checks`."""

    shapes: Graph
    top_level: tuple[Node, ...]
    fallback: tuple[Fallback, ...]
    classes: frozenset[URIRef]
    #: datatype → predicates whose values it checks (``None``: values reached another way; scan all)
    datatypes: Mapping[URIRef, frozenset[URIRef | None]]
    oxigraph: bool = True
    #: each shape's parameters as scanned by :func:`compile_shapes`, so rendering does not scan again
    scans: Mapping[Node, Mapping[URIRef, Sequence[Node]]] = field(default_factory=dict, repr=False, compare=False)

    def checks(self, context: Context | None = None) -> list[CompiledCheck]:
        """The check queries, with the closure and ill-typed literals of ``context`` written in."""
        compiler = _Compiler(self.shapes, context or Context(), oxigraph=self.oxigraph)
        compiler.reuse(self.scans)
        out: list[CompiledCheck] = []
        for shape in self.top_level:
            out.extend(compiler.top_level_checks(shape))
        return out

    def __iter__(self) -> Iterator[CompiledCheck]:
        return iter(self.checks())

    def context_queries(self) -> tuple[str | None, list[tuple[URIRef, str]]]:
        """The query for subclass closures (``?this`` subclass of ``?value``) and, per datatype, its literals."""
        closure = None
        if self.classes:
            values = " ".join(sparql_term(c) for c in sorted(self.classes))
            closure = f"SELECT ?this ?value WHERE {{ VALUES ?value {{ {values} }} ?this <{RDFS.subClassOf}>* ?value }}"
        literal_queries = []
        for datatype, predicates in sorted(self.datatypes.items()):
            dt = sparql_term(datatype)
            if None in predicates:
                pattern = "?_s ?_p ?this ."
            else:
                named = sorted(p for p in predicates if p)
                pattern = " UNION ".join(f"{{ ?_s {sparql_term(p)} ?this }}" for p in named)
            literal_queries.append(
                (
                    datatype,
                    f"SELECT DISTINCT ?this WHERE {{ {pattern} FILTER(isLiteral(?this) && datatype(?this) = {dt}) }}",
                )
            )
        return closure, literal_queries


# ------------------------------------------------------------------------------------------------
# The compiler
# ------------------------------------------------------------------------------------------------


def _int(component: URIRef, term: Node | None) -> int:
    if not isinstance(term, Literal) or not isinstance(term.toPython(), int) or isinstance(term.toPython(), bool):
        raise _Refusal(component, f"expected an integer, got {term}")
    value: int = term.toPython()
    return value


def _class(term: Node) -> URIRef:
    if not isinstance(term, URIRef):
        raise _Refusal(SH.ClassConstraintComponent, "a class that is not an IRI")
    return term


def _true(term: Node | None) -> bool:
    """Only ``true`` turns a boolean parameter on ("1"^^xsd:boolean does not, as the suite says)."""
    return isinstance(term, Literal) and term.datatype == XSD.boolean and str(term) == "true"


class _Compiler:
    """Builds conditions and queries for the shapes of one graph; one place for every condition."""

    def __init__(self, shapes: Graph, context: Context, *, oxigraph: bool = True) -> None:
        self.g = shapes
        self.ctx = context
        self.oxigraph = oxigraph
        self._fresh = itertools.count(1)
        self.classes: set[URIRef] = set()
        self.datatypes: dict[URIRef, set[URIRef | None]] = {}
        self._stack: list[Node] = []
        self._custom = self._custom_parameters()
        self._parameters: dict[Node, dict[URIRef, list[Node]]] = {}  # a shape is scanned once
        self._lists: dict[Node, list[Node]] = {}

    # ---------------------------------------------------------------- helpers

    def var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._fresh)}"

    def lst(self, node: Node) -> list[Node]:
        if node not in self._lists:
            if node != RDF.nil and (node, RDF.first, None) not in self.g:
                raise _Refusal("list", f"{node} is not an RDF list")
            self._lists[node] = [] if node == RDF.nil else list(Collection(self.g, node))
        return self._lists[node]

    def _custom_parameters(self) -> dict[URIRef, URIRef]:
        out: dict[URIRef, URIRef] = {}
        for component in self.g.subjects(RDF.type, SH.ConstraintComponent):
            for parameter in self.g.objects(component, SH.parameter):
                path = self.g.value(parameter, SH.path)
                if isinstance(path, URIRef) and isinstance(component, URIRef):
                    out[path] = component
        return out

    def is_property_shape(self, shape: Node) -> bool:
        return (shape, SH.path, None) in self.g

    def deactivated(self, shape: Node) -> bool:
        return _true(self.g.value(shape, SH.deactivated))

    def severity(self, shape: Node) -> URIRef:
        value = self.g.value(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def messages(self, shape: Node) -> tuple[Literal, ...]:
        return tuple(sorted((m for m in self.g.objects(shape, SH.message) if isinstance(m, Literal)), key=str))

    def closure(self, cls: URIRef) -> str:
        """The classes whose instances are SHACL instances of ``cls``, as a VALUES list."""
        self.classes.add(cls)
        subs = self.ctx.subclasses.get(cls, frozenset({cls})) | {cls}
        return " ".join(sparql_term(c) for c in sorted(subs))

    # ---------------------------------------------------------------- scanning a shape

    def scanned(self) -> dict[Node, Mapping[URIRef, Sequence[Node]]]:
        """The parameters of every shape scanned so far."""
        return {shape: {p: tuple(v) for p, v in params.items()} for shape, params in self._parameters.items()}

    def reuse(self, scans: Mapping[Node, Mapping[URIRef, Sequence[Node]]]) -> None:
        """Take the parameters of shapes scanned before (by :func:`compile_shapes`)."""
        for shape, params in scans.items():
            self._parameters[shape] = {p: list(v) for p, v in params.items()}

    def parameters(self, shape: Node) -> dict[URIRef, list[Node]]:
        """Every constraint parameter of ``shape`` with its values; refuses anything not compiled."""
        if shape not in self._parameters:
            self._parameters[shape] = self._scan(shape)
        return self._parameters[shape]

    def _scan(self, shape: Node) -> dict[URIRef, list[Node]]:
        found: dict[URIRef, list[Node]] = {}
        for p, o in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if not isinstance(p, URIRef):
                continue
            if p in _REFUSED_NON_PARAMETERS:
                raise _Refusal(p, _REFUSED_NON_PARAMETERS[p])
            if p in self._custom:
                raise _Refusal(self._custom[p], f"custom constraint component (parameter {p})")
            if p in NOT_PARAMETERS:
                continue
            if p in PARAMETERS:
                for iri in PARAMETERS[p]:
                    if COMPONENTS[iri].refused:
                        raise _Refusal(iri, COMPONENTS[iri].refused or "")
                found.setdefault(p, []).append(o)
            elif str(p).startswith(str(SH)):
                raise _Refusal(p, "not a SHACL Core parameter this engine knows")
        for p in (
            SH.flags,
            SH.ignoredProperties,
            SH.qualifiedValueShapesDisjoint,
            SH.qualifiedMinCount,
            SH.qualifiedMaxCount,
        ):
            owners = PARAMETERS[p]
            mandatory = [m for iri in owners for m in COMPONENTS[iri].parameters if m not in COMPONENTS[iri].optional]
            if p in found and not any(m in found for m in mandatory):
                raise _Refusal(owners[0], f"{p} without the component's other parameters")
        if SH.qualifiedValueShape in found and not ({SH.qualifiedMinCount, SH.qualifiedMaxCount} & set(found)):
            raise _Refusal(SH.QualifiedMinCountConstraintComponent, "sh:qualifiedValueShape without a count")
        for p in (
            SH.flags,
            SH.pattern,
            SH.qualifiedValueShape,
            SH.qualifiedMinCount,
            SH.qualifiedMaxCount,
            SH.closed,
            SH.ignoredProperties,
            SH.qualifiedValueShapesDisjoint,
        ):
            if len(found.get(p, [])) > 1:
                raise _Refusal(PARAMETERS[p][0], f"{p} given more than once")
        if self.is_property_shape(shape) and SH.closed in found:
            raise _Refusal(SH.ClosedConstraintComponent, "sh:closed on a property shape")
        if not self.is_property_shape(shape):
            for p in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if p in found:
                    raise _Refusal(PARAMETERS[p][0], f"{p} on a node shape")
        return found

    # ---------------------------------------------------------------- paths

    def path_pattern(self, path: Node, s: str, o: str, *, nested: bool) -> str:
        """A graph pattern binding ``o`` to the values of ``path`` from ``s``, with no property path
        unless ``nested`` is False and the path needs ``*``, ``+`` or ``?``."""
        if not self.plain_path(path):
            if nested:
                raise _Refusal(
                    SH.path, "a sh:zeroOrMorePath, sh:oneOrMorePath or sh:zeroOrOnePath inside a nested shape"
                )
            return f"{s} {self.path_expression(path)} {o} ."
        return self._plain(path, s, o)

    def plain_path(self, path: Node) -> bool:
        if isinstance(path, URIRef):
            return True
        kinds = [str(k) for k in _PATH_KINDS if (path, k, None) in self.g]
        kinds += ["list"] if (path, RDF.first, None) in self.g else []
        if len(kinds) != 1:
            raise _Refusal(SH.path, f"an ill-formed path ({len(kinds)} kinds of path on one node)")
        inverse = self.g.value(path, SH.inversePath)
        if inverse is not None:
            return self.plain_path(inverse)
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            return all(self.plain_path(p) for p in self.lst(alternatives))
        if (path, RDF.first, None) in self.g:
            return all(self.plain_path(p) for p in self.lst(path))
        return False

    def _plain(self, path: Node, s: str, o: str) -> str:
        if isinstance(path, URIRef):
            return f"{s} {sparql_term(path)} {o} ."
        inverse = self.g.value(path, SH.inversePath)
        if inverse is not None:
            return self._plain(inverse, o, s)
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            return " UNION ".join("{ " + self._plain(p, s, o) + " }" for p in self.lst(alternatives))
        steps = self.lst(path)
        if len(steps) < 2:
            raise _Refusal(SH.path, "a sequence path of fewer than two steps")
        nodes = [s] + [self.var("m") for _ in steps[:-1]] + [o]
        hops = zip(steps, nodes, nodes[1:], strict=False)
        return " ".join("{ " + self._plain(step, a, b) + " }" for step, a, b in hops)

    def path_expression(self, path: Node) -> str:
        """``path`` as a SPARQL property path (used only outside EXISTS)."""
        if isinstance(path, URIRef):
            return sparql_term(path)
        for kind, template in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.g.value(path, kind)
            if inner is not None:
                return template.format(self.path_expression(inner))
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path_expression(p) for p in self.lst(alternatives)) + ")"
        if (path, RDF.first, None) in self.g:
            return "(" + "/".join(self.path_expression(p) for p in self.lst(path)) + ")"
        raise _Refusal(SH.path, f"{path} is not a SHACL path")

    # ---------------------------------------------------------------- conditions on one value node

    def value_ok(self, param: URIRef, arg: Node, v: str, shape: Node) -> str:
        """A SPARQL expression true when the node bound to ``v`` satisfies ``param arg`` (no error raised)."""
        if param == SH["class"]:
            t = self.var("t")
            return f"EXISTS {{ {v} <{RDF.type}> {t} . VALUES {t} {{ {self.closure(_class(arg))} }} }}"
        if param == SH.datatype:
            return self.datatype_ok(arg, v, shape)
        if param == SH.nodeKind:
            if not isinstance(arg, URIRef) or arg not in _NODE_KINDS:
                raise _Refusal(SH.NodeKindConstraintComponent, f"unknown node kind {arg}")
            return _NODE_KINDS[arg].format(v=v)
        if param in _COMPARISONS:
            if not isinstance(arg, Literal):
                raise _Refusal(PARAMETERS[param][0], "a bound that is not a literal")
            return f"COALESCE({v} {_COMPARISONS[param]} {sparql_term(arg)}, false)"
        if param in (SH.minLength, SH.maxLength):
            n = _int(PARAMETERS[param][0], arg)
            op = ">=" if param == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {n})"
        if param == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            flag_text = f", {sparql_term(Literal(str(flags)))}" if flags is not None else ""
            return f"(!isBlank({v}) && COALESCE(REGEX(STR({v}), {sparql_term(Literal(str(arg)))}{flag_text}), false))"
        if param == SH.languageIn:
            tags: list[str] = [str(t) for t in self.lst(arg)]
            if not tags:
                return "false"
            tests = " || ".join(f"langMatches(lang({v}), {sparql_term(Literal(t))})" for t in tags)
            return f"(isLiteral({v}) && ({tests}))"
        if param == SH["in"]:
            members = self.lst(arg)
            return "(" + (" || ".join(f"sameTerm({v}, {sparql_term(m)})" for m in members) or "false") + ")"
        if param == SH.hasValue:
            return f"sameTerm({v}, {sparql_term(arg)})"
        if param == SH.node:
            return self.conforms(arg, v)
        if param == SH["not"]:
            return f"!({self.conforms(arg, v)})"
        if param == SH["and"]:
            return "(" + " && ".join([self.conforms(s, v) for s in self.lst(arg)] or ["true"]) + ")"
        if param == SH["or"]:
            return "(" + " || ".join([self.conforms(s, v) for s in self.lst(arg)] or ["false"]) + ")"
        if param == SH.xone:
            branches = [self.conforms(s, v) for s in self.lst(arg)]
            count = " + ".join(f"IF({b}, 1, 0)" for b in branches) or "0"
            return f"(({count}) = 1)"
        if param == SH.closed:
            if not _true(arg):
                return "true"
            p, o = self.var("p"), self.var("o")
            allowed = ", ".join(sparql_term(a) for a in self.closed_allowed(shape))
            return f"NOT EXISTS {{ {v} {p} {o} . FILTER(!({p} IN ({allowed or '<urn:itops:none>'}))) }}"
        raise _Refusal(str(param), "no condition is written for it")

    def datatype_ok(self, dt: Node, v: str, shape: Node) -> str:
        if not isinstance(dt, URIRef):
            raise _Refusal(SH.DatatypeConstraintComponent, "a datatype that is not an IRI")
        if self.oxigraph and dt in INTEGER_SUBTYPES:
            raise _Refusal(
                SH.DatatypeConstraintComponent,
                f"Oxigraph stores {dt} literals as xsd:integer, so their datatype cannot be checked",
            )
        if dt == RDFS.Literal:  # as pySHACL: every literal
            return f"isLiteral({v})"
        if dt == RDFS.Datatype:
            return f'(isLiteral({v}) && lang({v}) = "")'
        if dt == RDF.langString:
            return f'(isLiteral({v}) && lang({v}) != "")'
        test = f"(isLiteral({v}) && datatype({v}) = {sparql_term(dt)}"
        if dt == XSD.string:
            test += f' && lang({v}) = ""'
        if dt not in _ANY_LEXICAL:
            path = self.g.value(shape, SH.path) if self.is_property_shape(shape) else None
            self.datatypes.setdefault(dt, set()).add(path if isinstance(path, URIRef) else None)
            bad = sorted(self.ctx.ill_typed.get(dt, frozenset()), key=str)
            if bad:
                test += " && !(" + " || ".join(f"sameTerm({v}, {sparql_term(b)})" for b in bad) + ")"
        return test + ")"

    def closed_allowed(self, shape: Node) -> list[URIRef]:
        allowed = set()
        for ps in self.g.objects(shape, SH.property):
            path = self.g.value(ps, SH.path)
            if isinstance(path, URIRef):
                allowed.add(path)
        ignored = self.g.value(shape, SH.ignoredProperties)
        if ignored is not None:
            allowed.update(p for p in self.lst(ignored) if isinstance(p, URIRef))
        return sorted(allowed)

    # ---------------------------------------------------------------- conditions on a focus node

    def conforms(self, shape: Node, f: str) -> str:
        """A SPARQL expression: the node bound to ``f`` conforms to ``shape`` (used for nested shapes)."""
        if self.deactivated(shape):
            return "true"
        if shape in self._stack:
            raise _Refusal(SH.NodeConstraintComponent, "a recursive shape")
        self._stack.append(shape)
        try:
            params = self.parameters(shape)
            if (shape, SH.sparql, None) in self.g:
                raise _Refusal(SH.SPARQLConstraintComponent, "a SPARQL constraint inside a nested shape")
            parts = []
            for param, args in params.items():
                for arg in args:
                    condition = self.component_ok(shape, param, arg, f)
                    if condition is not None and condition != "true":
                        parts.append(condition)
            return "(" + " && ".join(parts) + ")" if parts else "true"
        finally:
            self._stack.pop()

    def component_ok(self, shape: Node, param: URIRef, arg: Node, f: str) -> str | None:
        """The condition ``param arg`` puts on the focus node ``f`` of ``shape`` (None: no condition of its own)."""
        if param in QUALIFIERS:
            return None  # read with the parameter they qualify
        if param == SH.property:
            return self.conforms(arg, f)
        if not self.is_property_shape(shape):
            if param in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                raise _Refusal(PARAMETERS[param][0], f"{param} on a nested node shape")
            return self.value_ok(param, arg, f, shape)
        path = self._path(shape)

        def values(x: str) -> str:
            return self.path_pattern(path, f, x, nested=True)

        def distinct(n: int, condition: Callable[[str], str] | None = None) -> str:
            if n > MAX_NESTED_COUNT:
                raise _Refusal(PARAMETERS[param][0], f"a count above {MAX_NESTED_COUNT} inside a nested shape")
            xs = [self.var("x") for _ in range(n)]
            filters = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(xs, 2)]
            if condition is not None:
                filters += [condition(x) for x in xs]
            body = " ".join(values(x) for x in xs)
            return f"EXISTS {{ {body} {'FILTER(' + ' && '.join(filters) + ')' if filters else ''} }}"

        kind = COMPONENTS[PARAMETERS[param][0]].kind
        if kind == "value":
            x = self.var("x")
            return f"NOT EXISTS {{ {values(x)} FILTER(!({self.value_ok(param, arg, x, shape)})) }}"
        if param == SH.minCount:
            n = _int(SH.MinCountConstraintComponent, arg)
            return distinct(n) if n > 0 else None
        if param == SH.maxCount:
            return "!" + distinct(_int(SH.MaxCountConstraintComponent, arg) + 1)
        if param == SH.hasValue:
            return f"EXISTS {{ {values(sparql_term(arg))} }}"
        if param == SH.qualifiedValueShape:
            parts = []
            qualified = self.qualified_condition(shape, arg)
            qmin = self.g.value(shape, SH.qualifiedMinCount)
            qmax = self.g.value(shape, SH.qualifiedMaxCount)
            if qmin is not None and _int(SH.QualifiedMinCountConstraintComponent, qmin) > 0:
                parts.append(distinct(_int(SH.QualifiedMinCountConstraintComponent, qmin), qualified))
            if qmax is not None:
                parts.append("!" + distinct(_int(SH.QualifiedMaxCountConstraintComponent, qmax) + 1, qualified))
            return " && ".join(parts) if parts else None
        x, y = self.var("x"), self.var("y")
        if param == SH.uniqueLang:
            if not _true(arg):
                return None
            return (
                f'NOT EXISTS {{ {values(x)} {values(y)} FILTER(!sameTerm({x}, {y}) && lang({x}) != "" '
                f"&& LCASE(lang({x})) = LCASE(lang({y}))) }}"
            )
        other = sparql_term(arg)
        if param == SH.equals:
            return (
                f"NOT EXISTS {{ {values(x)} FILTER NOT EXISTS {{ {f} {other} {x} }} }} && "
                f"NOT EXISTS {{ {f} {other} {y} . FILTER NOT EXISTS {{ {values(y)} }} }}"
            )
        if param == SH.disjoint:
            return f"NOT EXISTS {{ {values(x)} {f} {other} {x} . }}"
        if param in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if param == SH.lessThan else "<="
            return f"NOT EXISTS {{ {values(x)} {f} {other} {y} . FILTER(!COALESCE({x} {op} {y}, false)) }}"
        raise _Refusal(str(param), "no condition is written for it")

    def qualified_condition(self, shape: Node, qshape: Node) -> Callable[[str], str]:
        siblings: list[Node] = []
        if _true(self.g.value(shape, SH.qualifiedValueShapesDisjoint)):
            for parent in self.g.subjects(SH.property, shape):
                for sibling in self.g.objects(parent, SH.property):
                    for other in self.g.objects(sibling, SH.qualifiedValueShape):
                        if other != qshape:
                            siblings.append(other)

        def condition(x: str) -> str:
            parts = [self.conforms(qshape, x)] + [f"!({self.conforms(s, x)})" for s in sorted(siblings, key=str)]
            return "(" + " && ".join(parts) + ")"

        return condition

    # ---------------------------------------------------------------- targets

    def targets(self, shape: Node) -> Callable[[str], str] | None:
        """A function giving a pattern that binds its variable to each focus node of ``shape``."""
        g = self.g
        classes = [c for c in g.objects(shape, SH.targetClass)]
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.append(shape)
        nodes = list(g.objects(shape, SH.targetNode))
        subjects_of = list(g.objects(shape, SH.targetSubjectsOf))
        objects_of = list(g.objects(shape, SH.targetObjectsOf))
        if (shape, SH.target, None) in g:
            raise _Refusal(SH.target, _REFUSED_NON_PARAMETERS[SH.target])
        if not (classes or nodes or subjects_of or objects_of):
            return None
        for c in classes:
            if not isinstance(c, URIRef):
                raise _Refusal(SH.targetClass, "a target class that is not an IRI")
        closure = " ".join(sorted({t for c in classes if isinstance(c, URIRef) for t in self.closure(c).split(" ")}))
        node_terms = " ".join(sparql_term(n) for n in nodes)
        subject_terms = [sparql_term(p) for p in subjects_of]
        object_terms = [sparql_term(p) for p in objects_of]

        def pattern(v: str) -> str:
            parts = []
            if classes:
                t = self.var("t")
                parts.append(f"{{ VALUES {t} {{ {closure} }} {v} <{RDF.type}> {t} . }}")
            if nodes:
                parts.append(f"{{ VALUES {v} {{ {node_terms} }} }}")
            # each distinct on its own: Oxigraph may push the check's filter into the union, and would
            # then test a node once per triple naming it (a supplier once per client: 30x slower at 1M)
            parts += [f"{{ SELECT DISTINCT {v} WHERE {{ {v} {p} [] }} }}" for p in subject_terms]
            parts += [f"{{ SELECT DISTINCT {v} WHERE {{ [] {p} {v} }} }}" for p in object_terms]
            return f"{{ SELECT DISTINCT {v} WHERE {{ {' UNION '.join(parts)} }} }}"

        return pattern

    # ---------------------------------------------------------------- top-level checks

    def _path(self, shape: Node) -> Node:
        """The ``sh:path`` of a property shape."""
        path = self.g.value(shape, SH.path)
        if path is None:
            raise _Refusal(SH.path, "a property shape without sh:path")
        return path

    def top_level_checks(self, shape: Node) -> list[CompiledCheck]:
        targets = self.targets(shape)
        if targets is None:
            raise _Refusal("sh:targetClass", "a top-level shape without a target has no checks of its own")
        return self.shape_checks(shape, targets)

    def shape_checks(
        self, shape: Node, targets: Callable[[str], str], routes: tuple[str, ...] = ()
    ) -> list[CompiledCheck]:
        """Checks of ``shape`` for the focus nodes ``targets`` binds, and of its property shapes.

        ``routes`` are the variables ``targets`` also binds to the focus nodes of the enclosing property
        shapes: a value node reached from two of them is checked (and reported) once per route.
        """
        if self.deactivated(shape):
            return []
        if shape in self._stack:
            raise _Refusal(SH.PropertyConstraintComponent, "a recursive shape")
        self._stack.append(shape)
        try:
            return self._shape_checks(shape, targets, routes)
        finally:
            self._stack.pop()

    def _shape_checks(self, shape: Node, targets: Callable[[str], str], routes: tuple[str, ...]) -> list[CompiledCheck]:
        params = self.parameters(shape)
        by_route = "".join(f" {r}" for r in routes)
        out: list[CompiledCheck] = []
        is_property = self.is_property_shape(shape)
        path = self.g.value(shape, SH.path) if is_property else None
        severity, messages = self.severity(shape), self.messages(shape)
        T = targets("?this")

        def check(
            component: URIRef, where: str, *, has_value: bool, select: str | None = None, having: str | None = None
        ) -> None:
            projection = (select or ("?this ?value" if has_value else "?this")) + by_route
            tail = f" GROUP BY ?this{by_route} HAVING ({having})" if having else ""
            distinct = "" if having else "DISTINCT "
            query = f"SELECT {distinct}{projection} WHERE {{ {where} }}{tail}"
            out.append(CompiledCheck(shape, component, severity, messages, path, query, has_value))

        def values(s: str, o: str) -> str:
            return self.path_pattern(self._path(shape), s, o, nested=False)

        def lacks(s: str, o: str) -> str:
            """A pattern fragment removing the solutions where ``o`` is a value of ``s`` (no path in NOT EXISTS)."""
            if self.plain_path(self._path(shape)):
                return f"FILTER NOT EXISTS {{ {self.path_pattern(self._path(shape), s, o, nested=True)} }}"
            w = self.var("w")
            return f"OPTIONAL {{ {values(s, w)} FILTER(sameTerm({w}, {o})) }} FILTER(!BOUND({w}))"

        for param, args in params.items():
            component = PARAMETERS[param][0]
            for arg in args:
                kind = COMPONENTS[component].kind
                if param in QUALIFIERS:
                    continue
                if param == SH.property:
                    if is_property:
                        route = self.var("r")
                        out.extend(
                            self.shape_checks(
                                arg, self._value_targets(targets, shape, routes, route), routes + (route,)
                            )
                        )
                    else:
                        out.extend(self.shape_checks(arg, targets, routes))
                    continue
                if param == SH.sparql:
                    out.append(self.sparql_check(shape, arg, targets))
                    continue
                if param == SH.closed:
                    if _true(arg):
                        allowed = ", ".join(sparql_term(a) for a in self.closed_allowed(shape))
                        query = (
                            f"SELECT DISTINCT ?this ?path ?value{by_route} WHERE {{ {T} ?this ?path ?value . "
                            f"FILTER(!(?path IN ({allowed or '<urn:itops:none>'}))) }}"
                        )
                        out.append(CompiledCheck(shape, component, severity, messages, None, query, True))
                    continue
                if not is_property:
                    if param in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                        self._pair_checks(
                            check,
                            param,
                            arg,
                            T,
                            lambda s, o: f"BIND({s} AS {o})",
                            lambda s, o: f"FILTER(!sameTerm({s}, {o}))",
                        )
                        continue
                    if param == SH["class"]:
                        t = self.var("t")
                        closure = self.closure(_class(arg))
                        check(
                            component,
                            f"{T} FILTER NOT EXISTS {{ ?this <{RDF.type}> {t} . VALUES {t} {{ {closure} }} }}",
                            has_value=True,
                            select="?this (?this AS ?value)",
                        )
                        continue
                    condition = self.value_ok(param, arg, "?this", shape)
                    if param == SH.hasValue:  # a result of sh:hasValue has no value
                        check(component, f"{T} FILTER(!({condition}))", has_value=False)
                    else:
                        check(
                            component, f"{T} FILTER(!({condition}))", has_value=True, select="?this (?this AS ?value)"
                        )
                    continue
                if kind == "value":
                    if param == SH["class"]:
                        t = self.var("t")
                        closure = self.closure(_class(arg))
                        check(
                            component,
                            f"{{ {T} {values('?this', '?value')} }} "
                            f"FILTER NOT EXISTS {{ ?value <{RDF.type}> {t} . VALUES {t} {{ {closure} }} }}",
                            has_value=True,
                        )
                    else:
                        condition = self.value_ok(param, arg, "?value", shape)
                        check(component, f"{T} {values('?this', '?value')} FILTER(!({condition}))", has_value=True)
                    continue
                if param == SH.minCount:
                    n = _int(component, arg)
                    v = self.var("v")
                    if n == 1:
                        check(component, f"{T} {lacks('?this', v)}", has_value=False)
                    elif n > 1:
                        check(
                            component,
                            f"{T} OPTIONAL {{ {values('?this', v)} }}",
                            has_value=False,
                            having=f"COUNT(DISTINCT {v}) < {n}",
                        )
                elif param == SH.maxCount:
                    n = _int(component, arg)
                    v = self.var("v")
                    check(component, f"{T} {values('?this', v)}", has_value=False, having=f"COUNT(DISTINCT {v}) > {n}")
                elif param == SH.hasValue:
                    check(component, f"{T} {lacks('?this', sparql_term(arg))}", has_value=False)
                elif param == SH.uniqueLang:
                    if _true(arg):
                        a, b = self.var("a"), self.var("b")
                        # one result per duplicated language, as the spec says: the language is the key
                        check(
                            component,
                            f"{T} {values('?this', a)} {values('?this', b)} FILTER(!sameTerm({a}, {b}) "
                            f'&& lang({a}) != "" && LCASE(lang({a})) = LCASE(lang({b})))',
                            has_value=False,
                            select=f"?this (LCASE(lang({a})) AS ?_key)",
                        )
                elif param == SH.qualifiedValueShape:
                    self._qualified_checks(shape, arg, T, values, severity, messages, out, by_route)
                elif param in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals):
                    self._pair_checks(check, param, arg, T, values, lacks)
                else:
                    raise _Refusal(str(param), "no check is written for it")
        return out

    def _pair_checks(
        self,
        check: Callable[..., None],
        param: URIRef,
        arg: Node,
        T: str,
        values: Callable[[str, str], str],
        lacks: Callable[[str, str], str],
    ) -> None:
        component = PARAMETERS[param][0]
        if not isinstance(arg, URIRef):
            raise _Refusal(component, f"{param} names no property")
        other = sparql_term(arg)
        if param == SH.equals:
            check(
                component,
                f"{{ {T} {values('?this', '?value')} FILTER NOT EXISTS {{ ?this {other} ?value }} }} "
                f"UNION {{ {T} ?this {other} ?value . {lacks('?this', '?value')} }}",
                has_value=True,
            )
        elif param == SH.disjoint:
            check(component, f"{T} {values('?this', '?value')} ?this {other} ?value .", has_value=True)
        else:
            op = "<" if param == SH.lessThan else "<="
            y = self.var("y")
            # one result per pair of values, as the spec says: the other value is the key
            check(
                component,
                f"{T} {values('?this', '?value')} ?this {other} {y} . FILTER(!COALESCE(?value {op} {y}, false))",
                has_value=True,
                select=f"?this ?value ({y} AS ?_key)",
            )

    def _qualified_checks(
        self,
        shape: Node,
        qshape: Node,
        T: str,
        values: Callable[[str, str], str],
        severity: URIRef,
        messages: tuple[Literal, ...],
        out: list[CompiledCheck],
        by_route: str,
    ) -> None:
        path = self.g.value(shape, SH.path)
        condition = self.qualified_condition(shape, qshape)
        for count_param, component in (
            (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent),
            (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent),
        ):
            count = self.g.value(shape, count_param)
            if count is None:
                continue
            n = _int(component, count)
            v = self.var("q")
            if count_param == SH.qualifiedMinCount:
                if n <= 0:
                    continue
                where = f"{T} OPTIONAL {{ {values('?this', v)} FILTER({condition(v)}) }}"
                having = f"COUNT(DISTINCT {v}) < {n}"
            else:
                where = f"{T} {values('?this', v)} FILTER({condition(v)})"
                having = f"COUNT(DISTINCT {v}) > {n}"
            query = f"SELECT ?this{by_route} WHERE {{ {where} }} GROUP BY ?this{by_route} HAVING ({having})"
            out.append(CompiledCheck(shape, component, severity, messages, path, query, False))

    def _value_targets(
        self, targets: Callable[[str], str], shape: Node, routes: tuple[str, ...], route: str
    ) -> Callable[[str], str]:
        """Targets of a property shape nested under the property shape ``shape``: its value nodes,
        with ``route`` bound to the focus node of ``shape`` each is reached from (and ``routes``)."""
        path = self._path(shape)
        keep = "".join(f" {r}" for r in routes + (route,))

        def pattern(v: str) -> str:
            values = self.path_pattern(path, route, v, nested=False)
            return f"{{ SELECT DISTINCT {v}{keep} WHERE {{ {targets(route)} {values} }} }}"

        return pattern

    def sparql_check(self, shape: Node, constraint: Node, targets: Callable[[str], str]) -> CompiledCheck:
        g = self.g
        component = SH.SPARQLConstraintComponent
        if self.is_property_shape(shape):
            raise _Refusal(component, "a SPARQL constraint on a property shape ($PATH)")
        selects = list(g.objects(constraint, SH.select))
        if len(selects) != 1 or (constraint, SH.ask, None) in g:
            raise _Refusal(component, "a SPARQL constraint without exactly one sh:select")
        body = str(selects[0])
        for variable in ("$PATH", "$currentShape", "$shapesGraph", "?PATH", "?currentShape", "?shapesGraph"):
            if variable in body:
                raise _Refusal(component, f"a SPARQL constraint using {variable}")
        if re.search(r"\bSELECT\s+(DISTINCT\s+)?\*", body, re.I) or not re.search(r"[$?]this\b", body):
            raise _Refusal(component, "a SPARQL constraint that does not select $this")
        prefixes = []
        for declarations in g.objects(constraint, SH.prefixes):
            for decl in g.objects(declarations, SH.declare):
                prefix, namespace = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
                if prefix is None or namespace is None or not re.fullmatch(r"[A-Za-z][\w.-]*|", str(prefix)):
                    raise _Refusal(component, "a malformed sh:declare")
                prefixes.append(f"PREFIX {prefix}: {sparql_term(URIRef(str(namespace)))}")
        select = re.sub(r"\$this\b", "?this", body)
        has_value = bool(re.search(r"[$?]value\b", select.split("WHERE")[0].split("where")[0]))
        projection = "?this ?value" if has_value else "?this"
        query = "\n".join(prefixes) + f"\nSELECT DISTINCT {projection} WHERE {{ {targets('?this')} {{ {select} }} }}"
        messages = tuple(m for m in g.objects(constraint, SH.message) if isinstance(m, Literal)) or self.messages(shape)
        severity = g.value(constraint, SH.severity) or g.value(shape, SH.severity) or SH.Violation
        if not isinstance(severity, URIRef):
            raise _Refusal(component, "a severity that is not an IRI")
        if _true(g.value(constraint, SH.deactivated)):
            query = "SELECT ?this WHERE { FILTER(false) }"
        return CompiledCheck(shape, component, severity, tuple(sorted(messages, key=str)), None, query, has_value)


# ------------------------------------------------------------------------------------------------
# Compiling
# ------------------------------------------------------------------------------------------------


def describe(shapes: Graph, shape: Node) -> str:
    """A name for ``shape`` a person can find: its IRI, or the path and owner of a blank property shape."""
    if isinstance(shape, URIRef):
        return shapes.namespace_manager.normalizeUri(shape) if shapes.namespace_manager else str(shape)
    owner = shapes.value(None, SH.property, shape)
    path = shapes.value(shape, SH.path)
    inside = f" of {describe(shapes, owner)}" if owner is not None else ""
    return f"[property shape on {path}{inside}]" if path is not None else f"[blank node shape{inside}]"


def top_level_shapes(shapes: Graph) -> list[Node]:
    """The shapes that have targets (explicit, or implicit as a shape that is also a class)."""
    found = {s for t in TARGETS for s in shapes.subjects(t, None)}
    for kind in (SH.NodeShape, SH.PropertyShape):
        for s in shapes.subjects(RDF.type, kind):
            if (s, RDF.type, RDFS.Class) in shapes or (s, RDF.type, OWL.Class) in shapes:
                found.add(s)
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def compile_shapes(shapes: Graph, *, fallback: bool = False, oxigraph: bool = True) -> CompiledShapes:
    """Compile every shape of ``shapes`` that has a target (and everything it refers to).

    With ``fallback``, a top-level shape that uses anything the engine does not compile is listed in
    ``CompiledShapes.fallback`` (to be run on pySHACL) instead of refused. ``oxigraph`` says the checks
    will run on an Oxigraph store (which cannot tell xsd:byte and other integer types apart).

    Raises:
        UnsupportedShapeError: (without ``fallback``) a shape uses a component or form not compiled.
    """
    compiler = _Compiler(shapes, Context(), oxigraph=oxigraph)
    compiled: list[Node] = []
    refused: list[Fallback] = []
    for shape in top_level_shapes(shapes):
        try:
            if compiler.targets(shape) is None:
                continue
            compiler.top_level_checks(shape)
        except _Refusal as err:
            component = describe(shapes, err.component) if isinstance(err.component, URIRef) else err.component
            name = describe(shapes, shape)
            if not fallback:
                raise UnsupportedShapeError(name, str(component), err.reason) from None
            refused.append(Fallback(shape, name, str(component), err.reason))
            continue
        compiled.append(shape)
    return CompiledShapes(
        shapes=shapes,
        top_level=tuple(compiled),
        fallback=tuple(refused),
        classes=frozenset(compiler.classes),
        datatypes={d: frozenset(p) for d, p in compiler.datatypes.items()},
        oxigraph=oxigraph,
        scans=compiler.scanned(),
    )


# ------------------------------------------------------------------------------------------------
# Running the checks
# ------------------------------------------------------------------------------------------------


_XSD_STRING = str(XSD.string)


@dataclass(frozen=True)
class FastResult:
    """One validation result of the fast engine."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...] = ()

    @property
    def message(self) -> str | None:
        """The first message, if any."""
        return str(self.messages[0]) if self.messages else None


Row = Sequence[Node | None]
Executor = Callable[[str], Iterable[Row]]
"""Runs one query and yields rows (``?this``, ``?value``[, ``?path``[, ``?_key``[, route...]]]) as rdflib terms
(None when unbound). ``?path`` is the result path of a sh:closed result; ``?_key`` and the route variables
(``?_r1``...) tell apart results that the spec counts separately although they share focus, path and value
(sh:lessThan pairs, sh:uniqueLang languages, a value node reached from two focus nodes). An executor that
answers (``?this``, ``?value``) only gives each distinct result once."""


def result_rows(columns: Sequence[str], solutions: Iterable[Sequence[Node | None]]) -> list[Row]:
    """Rows in the executor's order (this, value, path, _key, routes...) from solutions over ``columns``."""
    routes = [i for i, name in enumerate(columns) if name.startswith("_r")]
    where = {name: columns.index(name) for name in ("this", "value", "path", "_key") if name in columns}
    rows: list[Row] = []
    for solution in solutions:
        fixed = [solution[where[name]] if name in where else None for name in ("this", "value", "path", "_key")]
        rows.append([*fixed, *(solution[i] for i in routes)])
    return rows


def oxigraph_executor(store: ox.Store) -> Executor:
    """An executor over a pyoxigraph Store, its default graph the union of its graphs.

    The query is evaluated when the executor is called (Oxigraph releases Python's lock meanwhile,
    so :func:`run_checks` calls it from several threads); its rows become rdflib terms only when
    they are iterated, on the caller's thread, because rdflib's literal handling is process-wide.
    """

    def execute(query: str) -> Iterable[Row]:
        solutions = store.query(query, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("a compiled check must be a SELECT query")
        columns = [v.value for v in solutions.variables]
        return _Converted(columns, [[solution[name] for name in columns] for solution in solutions])

    return execute


@dataclass(frozen=True)
class _Converted:
    """Oxigraph solutions read in full, turned into executor rows (rdflib terms) as they are iterated."""

    columns: list[str]
    solutions: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]]

    def __iter__(self) -> Iterator[Row]:
        with quiet_rdflib():
            converted = [
                [None if isinstance(term, ox.Triple) else to_rdflib(term) for term in solution]
                for solution in self.solutions
            ]
        return iter(result_rows(self.columns, converted))


def _ill_typed(literal: Literal) -> bool:
    """True when rdflib (and so pySHACL) finds ``literal`` outside its datatype's lexical space."""
    with quiet_rdflib():
        fresh = Literal(str(literal), datatype=literal.datatype)
    if getattr(fresh, "ill_typed", None) is True:
        return True
    expected: Mapping[URIRef, type | tuple[type, ...]] = {
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    kind = expected.get(literal.datatype) if literal.datatype is not None else None
    return kind is not None and not isinstance(fresh.value, kind)


def prepare(execute: Executor, compiled: CompiledShapes) -> Context:
    """Read the subclass closures and the ill-typed literals the checks need from the data."""
    closure_query, literal_queries = compiled.context_queries()
    subclasses: dict[URIRef, set[URIRef]] = {c: {c} for c in compiled.classes}
    if closure_query is not None:
        for row in execute(closure_query):
            sub, cls = row[0], row[1]
            if isinstance(sub, URIRef) and isinstance(cls, URIRef):
                subclasses.setdefault(cls, {cls}).add(sub)
    ill_typed: dict[URIRef, frozenset[Literal]] = {}
    for datatype, query in literal_queries:
        bad = frozenset(term for row in execute(query) if isinstance(term := row[0], Literal) and _ill_typed(term))
        ill_typed[datatype] = bad
    return Context({c: frozenset(s) for c, s in subclasses.items()}, ill_typed)


def run_checks(
    target: ox.Store | Executor, compiled: CompiledShapes | Sequence[CompiledCheck], *, workers: int = WORKERS
) -> list[FastResult]:
    """Run the compiled shapes on a pyoxigraph Store or through an executor (e.g. a SPARQL endpoint).

    The closure and literal queries run first (:func:`prepare`), then one query per check, on
    ``workers`` threads: Oxigraph (and an endpoint's HTTP round trip) evaluates a query without
    holding Python's lock, so the checks of a large register run side by side. Results come in the
    order of the checks whatever the threads do. ``compiled.fallback`` shapes are not run here (see
    :func:`run_engine`).
    """
    execute = oxigraph_executor(target) if isinstance(target, ox.Store) else target
    checks = compiled.checks(prepare(execute, compiled)) if isinstance(compiled, CompiledShapes) else compiled

    def rows(check: CompiledCheck) -> list[Row]:
        return list(execute(check.query))

    if workers > 1 and len(checks) > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="itops-check") as pool:
            answers = list(pool.map(rows, checks))
    else:
        answers = [rows(check) for check in checks]
    results: list[FastResult] = []
    for check, answer in zip(checks, answers, strict=True):
        seen: set[tuple[Node | None, ...]] = set()
        for row in answer:
            focus = row[0]
            if focus is None:
                continue
            value = row[1] if check.has_value and len(row) > 1 else None
            path = row[2] if len(row) > 2 and row[2] is not None else check.path
            identity = (focus, value, path, *row[3:])
            if identity in seen:
                continue
            seen.add(identity)
            messages = check.messages
            if check.component == SH.SPARQLConstraintComponent and any("{" in m for m in messages):
                messages = tuple(_fill(m, {"this": focus, "value": value, "path": path}) for m in messages)
            results.append(FastResult(focus, path, value, check.shape, check.component, check.severity, messages))
    return results


def _fill(message: Literal, bindings: Mapping[str, Node | None]) -> Literal:
    """A SHACL-SPARQL message template with ``{?name}`` / ``{$name}`` replaced by the result's terms."""

    def text(match: re.Match[str]) -> str:
        term = bindings.get(match.group(1))
        return match.group(0) if term is None else str(term)

    filled = re.sub(r"\{[?$](this|value|path)\}", text, str(message))
    return Literal(filled, lang=message.language) if message.language else Literal(filled)


def _copy_description(source: Graph, node: Node, target: Graph, done: set[Node]) -> None:
    """Copy the blank-node description of ``node`` (a shape or a path) from ``source`` into ``target``."""
    if not isinstance(node, BNode) or node in done:
        return
    done.add(node)
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        _copy_description(source, o, target, done)


def results_graph(results: Iterable[FastResult], *, shapes: Graph | None = None, allow_warnings: bool = True) -> Graph:
    """The results as a standard SHACL validation report graph.

    With ``shapes``, blank-node source shapes and result paths are described in the report too.
    ``sh:conforms`` is false when there is any result, or, with ``allow_warnings`` (as pySHACL's
    option of that name), any result of ``sh:Violation`` severity.
    """
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    conforms = True
    copied: set[Node] = set()
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
        for message in r.messages:
            graph.add((node, SH.resultMessage, message))
        if shapes is not None:
            _copy_description(shapes, r.shape, graph, copied)
            if r.path is not None:
                _copy_description(shapes, r.path, graph, copied)
        if r.severity == SH.Violation or not allow_warnings:
            conforms = False
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def describe_blank_nodes(sources: Sequence[ox.Store | Graph], report: Graph) -> None:
    """Copy into ``report`` the description of every blank focus node and value it names, from each of
    ``sources`` (the data the compiled checks ran on, the data the fallback ran on)."""
    todo = [o for p in (SH.focusNode, SH.value) for o in report.objects(None, p) if isinstance(o, BNode)]
    done: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in done:
            continue
        done.add(node)
        pairs: list[tuple[Node, Node]] = []
        for data in sources:
            if isinstance(data, Graph):
                pairs += data.predicate_objects(node)
                continue
            with quiet_rdflib():
                for quad in data.quads_for_pattern(ox.BlankNode(str(node)), None, None):
                    value = None if isinstance(quad.object, ox.Triple) else to_rdflib(quad.object)
                    if value is not None:
                        pairs.append((URIRef(quad.predicate.value), value))
        for predicate, term in pairs:
            report.add((node, predicate, term))
            if isinstance(term, BNode):
                todo.append(term)


# ------------------------------------------------------------------------------------------------
# pySHACL: the reference engine, and the fallback for shapes the engine does not compile
# ------------------------------------------------------------------------------------------------


def pyshacl_report(
    data: Graph,
    shapes: Graph,
    *,
    ontology: Graph | None = None,
    inference: Inference = "none",
    allow_warnings: bool = False,
) -> Graph:
    """pySHACL's standard report of ``data`` against ``shapes``.

    With ``inference``, the entailments of ``ontology`` are added first. With ``allow_warnings``
    (pySHACL's option), results below sh:Violation severity leave ``sh:conforms`` true.
    """
    # pySHACL is heavy to import (about 1 s); only the reference engine and the fallback need it
    from pyshacl import validate as shacl_validate

    _, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology if inference != "none" else None,
        inference=inference,
        allow_warnings=allow_warnings,
        advanced=False,
        meta_shacl=False,
    )
    if not isinstance(report, Graph):
        raise TypeError("pySHACL returned no report graph")  # never: pySHACL always returns one
    return report


def without_targets(shapes: Graph, keep: Iterable[Node] = ()) -> Graph:
    """A copy of ``shapes`` in which only the top-level shapes ``keep`` have targets."""
    keep = set(keep)
    copy = Graph()
    for s, p, o in shapes:
        if s not in keep and (p in TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
            continue
        copy.add((s, p, o))
    return copy


def run_fallback(data: Graph, compiled: CompiledShapes) -> list[FastResult]:
    """Run the top-level shapes the engine does not compile (``compiled.fallback``) on pySHACL over ``data``.

    ``data`` should be read from the files rather than from an Oxigraph store, which stores literals
    in canonical forms (an xsd:short as an xsd:integer).
    """
    if not compiled.fallback:
        return []
    shapes = compiled.shapes
    return read_results(pyshacl_report(data, without_targets(shapes, [f.shape for f in compiled.fallback])), shapes)


def read_results(report: Graph, shapes: Graph | None = None) -> list[FastResult]:
    """The results of a SHACL validation report graph (pySHACL's), as the fast engine's records.

    With ``shapes``, a result path that the report copied as blank nodes is named by the shape's
    own ``sh:path`` node. Several messages come in the order of their text.
    """
    out: list[FastResult] = []
    for result in report.objects(None, SH.result):
        focus, shape = report.value(result, SH.focusNode), report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        severity = report.value(result, SH.resultSeverity)
        if focus is None or shape is None or not isinstance(component, URIRef) or not isinstance(severity, URIRef):
            continue  # never: pySHACL's results have all four
        path = report.value(result, SH.resultPath)
        if isinstance(path, BNode) and shapes is not None:  # pySHACL copies a path into its report
            path = shapes.value(shape, SH.path)
        messages = tuple(
            sorted((m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)), key=str)
        )
        out.append(FastResult(focus, path, report.value(result, SH.value), shape, component, severity, messages))
    return out


__all__: Sequence[str] = [
    "COMPONENTS",
    "PARAMETERS",
    "CompiledCheck",
    "CompiledShapes",
    "Context",
    "Fallback",
    "FastResult",
    "compile_shapes",
    "result_rows",
    "describe_blank_nodes",
    "prepare",
    "pyshacl_report",
    "results_graph",
    "read_results",
    "run_checks",
    "run_fallback",
]


# ------------------------------------------------------------------------------------------------
# One run of whichever engine reads the source
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineRun:
    """What a run gives: its results, how many shapes it ran, the standard report graph where it made one,
    and notices."""

    results: list[FastResult]
    shapes_run: int
    graph: Graph | None = None
    notices: tuple[str, ...] = ()


def run_engine(source: Loaded, *, fallback: bool = True) -> EngineRun:
    """Run ``source.shapes`` over ``source.data``: pySHACL on an rdflib graph, the compiled checks otherwise.

    The documents' rules allow warnings (``sh:conforms`` stays true). An any-shapes run
    (``source.standalone``) gives the standard report as pySHACL would, warnings included; a shape
    the engine does not compile runs on pySHACL over the data as written, with a notice, when
    ``fallback``, or is refused.

    Raises:
        UnsupportedShapeError: (an any-shapes run without ``fallback``) a shape the engine does not compile.
        EndpointError: the endpoint holding the data fails.
    """
    data, shapes = source.data, source.shapes
    # every node shape, and any other shape with a target (a property shape may have one)
    ran = len(set(shapes.subjects(RDF.type, SH.NodeShape)) | set(top_level_shapes(shapes)))
    if isinstance(data, Graph):
        graph = pyshacl_report(
            data, shapes, ontology=source.ontology, inference=source.inference, allow_warnings=not source.standalone
        )
        return EngineRun(read_results(graph), ran, graph)
    compiled = compile_shapes(shapes, fallback=source.standalone and fallback)
    results = run_checks(data if isinstance(data, ox.Store) else endpoint_executor(data), compiled)
    if not source.standalone:
        return EngineRun(results, ran)  # the report graph is built only when asked for
    results += run_fallback(source.as_written, compiled) if compiled.fallback else []
    graph = results_graph(results, shapes=shapes, allow_warnings=False)
    described: list[ox.Store | Graph] = [data] if isinstance(data, ox.Store) else []
    if compiled.fallback:
        described.append(source.as_written)
    describe_blank_nodes(described, graph)
    return EngineRun(results, ran, graph, tuple(f.notice for f in compiled.fallback))


def endpoint_executor(endpoint: Endpoint) -> Executor:
    """An executor over a SPARQL endpoint: every column, as paths, keys and routes keep results apart."""

    def execute(query: str) -> list[Row]:
        result = endpoint.select(query)
        return result_rows(list(result.columns), result.rows)

    return execute
