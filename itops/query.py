"""Named SPARQL queries: read from ``queries/*.rq``, their parameters resolved and bound as RDF terms.

A query file starts with ``# key: value`` header lines that this module reads, so that the
command line's ``--list`` and ``--help`` and the documentation come from the query itself::

    # title: Commissioning arrangements
    # description: One row per row of the documents' commissioning tables.
    # param: commissioner  IRI(itops:Party)  optional  only rows naming this commissioner
    # columns: document section row commissioner via service provider cohort
    # list-columns: commissioner cohort

Parameters are never pasted into query text: embedded queries bind them with rdflib's
``initBindings``; queries sent to an endpoint carry them in a ``VALUES`` block of terms that
rdflib serialises (see :mod:`itops.endpoint`).
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier, Node

from itops.errors import ParameterError, QueryError, UnknownQueryError
from itops.namespace import PREFIXES
from itops.resources import resource_dir, resource_files
from itops.terms import ReadableGraph, select, to_rdflib

_HEADER = re.compile(r"^#\s*([a-z-]+)\s*:\s*(.*?)\s*$")
_PARAM_TYPES = ("IRI", "string", "integer", "date")
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Parameter:
    """A parameter of a named query, as declared in its ``# param:`` header line."""

    name: str
    type: str
    required: bool
    description: str
    iri_class: str | None = None

    @property
    def variable(self) -> str:
        """The query variable the parameter is bound to: ``?<name>_param``."""
        return self.name.replace("-", "_") + "_param"

    @classmethod
    def parse(cls, spec: str, *, query: str) -> Parameter:
        """Parse ``NAME TYPE required|optional DESCRIPTION``; TYPE: IRI, IRI(prefix:Class), string, integer, date."""
        parts = spec.split(None, 3)
        if len(parts) < 3 or parts[2] not in ("required", "optional"):
            raise QueryError(f"query {query}: bad '# param:' line {spec!r}")
        name, kind, need = parts[0], parts[1], parts[2]
        iri_class = None
        match = re.fullmatch(r"IRI\(([\w-]+:[\w-]+)\)", kind)
        if match:
            kind, iri_class = "IRI", match.group(1)
        if kind not in _PARAM_TYPES:
            raise QueryError(f"query {query}: parameter {name} has unknown type {kind!r}")
        return cls(name, kind, need == "required", parts[3] if len(parts) > 3 else "", iri_class)


@dataclass(frozen=True)
class NamedQuery:
    """A packaged SPARQL query with the metadata of its header comment."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    list_columns: frozenset[str]
    text: str
    examples: tuple[dict[str, str], ...] = ()

    @classmethod
    def parse(cls, name: str, text: str) -> NamedQuery:
        """Build a named query from the text of its ``.rq`` file."""
        meta: dict[str, list[str]] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                if line.strip():
                    break
                continue
            match = _HEADER.match(line)
            if match:
                meta.setdefault(match.group(1), []).append(match.group(2))
        params = tuple(Parameter.parse(p, query=name) for p in meta.get("param", []))
        return cls(
            name=name,
            title=" ".join(meta.get("title", [name])),
            description=" ".join(meta.get("description", [])),
            parameters=params,
            columns=tuple(" ".join(meta.get("columns", [])).split()),
            list_columns=frozenset(" ".join(meta.get("list-columns", [])).split()),
            text=text,
            examples=tuple(_parse_example(e) for e in meta.get("example", [])),
        )

    def parameter(self, name: str) -> Parameter:
        """Return the declared parameter ``name``.

        Raises:
            ParameterError: the query has no such parameter; the message lists those it has.
        """
        for param in self.parameters:
            if param.name == name:
                return param
        known = [p.name for p in self.parameters]
        raise ParameterError(name, f"query {self.name!r} has no such parameter", candidates=known or ["(none)"])


def _parse_example(spec: str) -> dict[str, str]:
    """Parse an ``# example:`` line: ``name=value`` pairs separated by `` & ``."""
    pairs = (part.partition("=") for part in spec.split(" & "))
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


def query_names() -> list[str]:
    """Return the names of the packaged queries, sorted."""
    return [f.name[: -len(".rq")] for f in resource_files("queries", ".rq")]


def load_query(name: str) -> NamedQuery:
    """Return the packaged query ``name``.

    Raises:
        UnknownQueryError: no such query; the message lists the known ones.
    """
    path = resource_dir("queries").joinpath(f"{name}.rq")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        raise UnknownQueryError(name, known=query_names())
    return NamedQuery.parse(name, path.read_text(encoding="utf-8"))


def all_queries() -> list[NamedQuery]:
    """Return every packaged query, sorted by name."""
    return [load_query(name) for name in query_names()]


# --------------------------------------------------------------------------------------------
# Parameter resolution
# --------------------------------------------------------------------------------------------

_NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SKOS.hiddenLabel)


def _expand(value: str) -> URIRef | None:
    """Expand ``prefix:local`` or an absolute IRI written as text; None if it is neither."""
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value) or value.startswith("urn:"):
        if any(ch in value for ch in ' <>"{}|\\^`'):
            return None
        return URIRef(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[\w.-]*", local):
        return URIRef(PREFIXES[prefix] + local)
    return None


@functools.lru_cache(maxsize=65536)
def _normalise(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


@dataclass
class NameIndex:
    """Names (labels, acronyms, notations and IRI slugs) of the individuals of a graph, for resolving parameters."""

    names: dict[str, set[URIRef]] = field(default_factory=dict)
    display: dict[URIRef, str] = field(default_factory=dict)

    @classmethod
    def build(cls, graph: ReadableGraph) -> NameIndex:
        """Index every named subject of ``graph``."""
        index = cls()
        for prop in _NAME_PROPERTIES:
            for subject, _, name in graph.triples((None, prop, None)):
                if isinstance(subject, URIRef) and isinstance(name, Literal):
                    index.names.setdefault(_normalise(str(name)), set()).add(subject)
                    if prop == RDFS.label or subject not in index.display:
                        index.display[subject] = str(name)
        for subject in set(index.display):
            slug = re.split(r"[/#]", str(subject))[-1]
            index.names.setdefault(_normalise(slug), set()).add(subject)
        return index

    def resolve(self, value: str) -> set[URIRef]:
        """Return the subjects one of whose names is ``value`` (case- and space-insensitive)."""
        return set(self.names.get(_normalise(value), set()))

    def suggestions(self, value: str, allowed: Iterable[URIRef]) -> list[str]:
        """Names close to ``value`` among the ``allowed`` subjects, for an error message."""
        allowed_set = set(allowed)
        names = sorted({n for n, subjects in self.names.items() if subjects & allowed_set})
        return difflib.get_close_matches(_normalise(value), names, n=8, cutoff=0.6)


def instances_of(graph: ReadableGraph, class_iri: URIRef) -> set[URIRef]:
    """Return the named instances of ``class_iri`` or of any of its subclasses (no reasoner needed)."""
    classes = {class_iri}
    frontier = [class_iri]
    while frontier:
        current = frontier.pop()
        for sub in graph.subjects(RDFS.subClassOf, current):
            if isinstance(sub, URIRef) and sub not in classes:
                classes.add(sub)
                frontier.append(sub)
    found: set[URIRef] = set()
    for cls in classes:
        found.update(s for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
    return found


def resolve_parameters(
    query: NamedQuery, values: Mapping[str, str], graph: ReadableGraph, index: NameIndex | None = None
) -> dict[str, Identifier]:
    """Turn user-given parameter values into RDF terms to bind, keyed by query variable name.

    An IRI parameter accepts an IRI, a ``prefix:name``, an IRI slug (``nhs-cb``), a label or an
    acronym (``CCG``, ``NHS CB``); it must name exactly one instance of the declared class.

    Raises:
        ParameterError: a required parameter is missing, a parameter is unknown, malformed,
            names nothing, or names several things (the message lists the candidates).
    """
    bound: dict[str, Identifier] = {}
    for name in values:
        query.parameter(name)
    for param in query.parameters:
        raw = values.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise ParameterError(param.name, f"required by query {query.name!r} ({param.description})")
            continue
        bound[param.variable] = _resolve_one(param, raw, graph, index)
    return bound


def _resolve_one(param: Parameter, raw: str, graph: ReadableGraph, index: NameIndex | None) -> Identifier:
    if param.type == "string":
        return Literal(raw)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise ParameterError(param.name, f"expected a whole number, got {raw!r}")
        return Literal(int(raw), datatype=XSD.integer)
    if param.type == "date":
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            raise ParameterError(param.name, f"expected a date as YYYY-MM-DD, got {raw!r}") from None
        if param.name == "on" and day < date(2013, 4, 1):
            raise ParameterError(param.name, f"{day.isoformat()} is before the documents took effect on 2013-04-01")
        return Literal(day.isoformat() + "T00:00:00", datatype=XSD.dateTime)
    allowed: set[URIRef] | None = None
    if param.iri_class:
        class_iri = _expand(param.iri_class)
        if class_iri is None:
            raise QueryError(f"parameter {param.name}: class {param.iri_class!r} is not a known prefixed name")
        allowed = instances_of(graph, class_iri)
    iri = _expand(raw.strip())
    if iri is not None:
        if allowed is not None and iri not in allowed:
            raise ParameterError(param.name, f"{raw!r} is not a {param.iri_class} in the loaded graph")
        return iri
    index = index or NameIndex.build(graph)
    found = index.resolve(raw)
    if allowed is not None:
        found &= allowed
    if len(found) == 1:
        return next(iter(found))
    pool = allowed if allowed is not None else set(index.display)
    if not found:
        close = index.suggestions(raw, pool)
        raise ParameterError(param.name, f"nothing in the graph is called {raw!r}", candidates=close)
    listed = sorted(f"{index.display.get(s, s)} <{s}>" for s in found)
    raise ParameterError(param.name, f"{raw!r} is ambiguous; name one by its IRI", candidates=listed)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """Rows of a SELECT query: column names and, per row, one RDF term (or None) per column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]

    @classmethod
    def from_rows(
        cls, columns: Sequence[str], rows: Iterable[Sequence[Node | None]], *, list_columns: Iterable[str] = ()
    ) -> QueryResult:
        """Build a result, sorting the values inside list columns so that every engine gives the same text."""
        listed = [i for i, c in enumerate(columns) if c in set(list_columns)]
        out: list[tuple[Node | None, ...]] = []
        for row in rows:
            cells = list(row)
            for i in listed:
                cell = cells[i]
                if isinstance(cell, Literal):
                    parts = sorted(p for p in str(cell).split(LIST_SEPARATOR) if p)
                    cells[i] = Literal(LIST_SEPARATOR.join(parts)) if parts else None
            out.append(tuple(cells))
        return cls(tuple(columns), tuple(out))

    def values(self) -> list[tuple[str, ...]]:
        """Rows as plain strings ('' for an unbound cell)."""
        return [tuple("" if v is None else str(v) for v in row) for row in self.rows]

    def as_dicts(self) -> list[dict[str, str]]:
        """Rows as dictionaries from column name to string, ready for csv.DictWriter or a data frame."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.values()]

    def to_csv(self) -> str:
        """The result as CSV text with a header row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.values())
        return buffer.getvalue()

    def to_json(self) -> str:
        """The result in the SPARQL 1.1 Query Results JSON Format."""
        bindings: list[dict[str, dict[str, str]]] = []
        for row in self.rows:
            binding: dict[str, dict[str, str]] = {}
            for column, term in zip(self.columns, row, strict=False):
                if term is not None:
                    binding[column] = _json_term(term)
            bindings.append(binding)
        document: dict[str, object] = {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


def run_embedded(graph: Graph, query: NamedQuery, bindings: Mapping[str, Identifier]) -> QueryResult:
    """Run ``query`` on an in-memory rdflib graph with ``bindings`` bound by ``initBindings``."""
    result = graph.query(query.text, initBindings=dict(bindings))
    columns = [str(v) for v in (result.vars or [])]
    rows = [tuple(row) for row in result]  # type: ignore[arg-type]
    return QueryResult.from_rows(columns, rows, list_columns=query.list_columns)


_OUTER_WHERE = re.compile(r"^(?!\s*#)[^\n]*?\bWHERE\s*\{", re.IGNORECASE | re.MULTILINE)


def with_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """The query ``text`` with ``bindings`` as a VALUES block opening its outermost WHERE group.

    The terms are serialised by rdflib (``n3()``, which escapes IRIs and literals); nothing a
    user typed is pasted into the query. This is how parameters reach engines without a binding
    API (SPARQL endpoints, Oxigraph for variables that are not projected).
    """
    if not bindings:
        return text
    match = _OUTER_WHERE.search(text)
    if match is None:
        raise QueryError("query has no WHERE clause to bind parameters in")
    names = sorted(bindings)
    for term in bindings.values():
        if not isinstance(term, (URIRef, Literal)):
            raise ParameterError(str(term), "only IRIs and literals can be bound")
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(bindings[n].n3() for n in names)}) }} "
    return text[: match.end()] + block + text[match.end() :]


def run_oxigraph(store: ox.Store, query: NamedQuery, bindings: Mapping[str, Identifier]) -> QueryResult:
    """Run ``query`` on a pyoxigraph Store (default graph = union of its graphs), parameters in a VALUES block."""
    solutions = select(store, with_values(query.text, bindings), union=True)
    columns = [v.value for v in solutions.variables]
    rows = [tuple(to_rdflib(solution[c]) for c in columns) for solution in solutions]
    return QueryResult.from_rows(columns, rows, list_columns=query.list_columns)
