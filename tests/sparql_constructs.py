"""Flag the SPARQL constructs that SPARQL 1.1 engines read differently.

:func:`construct_problems` parses a query with rdflib and returns one line per problem:

* **a property path inside NOT EXISTS or MINUS.** Engines differ in how they substitute the
  outer solution into such a pattern; one widely deployed server lists the NHS CB's parts both as
  "part" and as "organisation" for ``FILTER NOT EXISTS { ?p a/rdfs:subClassOf* org:OrganizationalUnit }``.
  Write the pattern as a plain join (or compute the fact in the data) instead. A path inside a
  positive ``EXISTS`` (the named queries' ``FILTER(!BOUND(?x_param) || EXISTS { ... })``) is allowed:
  rdflib, pyoxigraph, Oxigraph's server and Jena ARQ agree on it, and on rdflib it is about 15 %
  faster than the OPTIONAL join that would replace it.
* **an implicit GROUP BY key:** a query with an aggregate (or GROUP BY, or HAVING) that projects a
  plain variable which is not a GROUP BY key (rdflib takes a sample; other engines refuse or differ),
  or ``SELECT *`` with grouping.
* with ``ordered=True`` (named queries, whose rows are compared in order): **an ORDER BY that is
  not total**, i.e. missing, or leaving out a projected variable that is not an aggregate.

Used by ``tests/test_portability.py`` on every ``queries/*.rq`` and on the checks that
``itops validate --endpoint`` sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rdflib.paths import Path as PropertyPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

_NEGATIONS = {"Builtin_NOTEXISTS": "NOT EXISTS"}


def _children(node: Any) -> Iterator[Any]:
    """The sub-nodes of a parse or algebra node (CompValues are dicts; ParseResults are lists)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not (isinstance(key, str) and key.startswith("_")):
                yield value
    elif isinstance(node, (list, tuple)) or hasattr(node, "asList") and not isinstance(node, (str, PropertyPath)):
        yield from node


def _paths_in_negations(node: Any, inside: str | None, out: list[str]) -> None:
    if isinstance(node, PropertyPath):
        if inside is not None:
            out.append(f"property path {node.n3()} inside {inside}: write it as a plain join outside it")
        return
    if isinstance(node, CompValue):
        if node.name in _NEGATIONS:
            for child in _children(node):
                _paths_in_negations(child, _NEGATIONS[node.name], out)
            return
        if node.name == "Minus":
            _paths_in_negations(node.get("p1"), inside, out)
            _paths_in_negations(node.get("p2"), "MINUS", out)
            return
    for child in _children(node):
        _paths_in_negations(child, inside, out)


def _get(node: Any, key: str) -> Any:
    """``node[key]`` or None (CompValue.get returns the key itself when it is missing)."""
    return dict.get(node, key) if isinstance(node, dict) else None


def _unwrap(expr: Any) -> Any:
    """The expression under rdflib's one-child wrappers (ConditionalOrExpression → ... → Variable)."""
    while isinstance(expr, CompValue) and set(k for k in expr if not k.startswith("_")) == {"expr"}:
        expr = expr["expr"]
    return expr


def _has_aggregate(node: Any) -> bool:
    if isinstance(node, CompValue):
        if node.name.startswith("Aggregate_"):
            return True
        if node.name in ("SubSelect", "SelectQuery"):
            return False  # a subquery's aggregates are its own
    return any(_has_aggregate(child) for child in _children(node))


def _selects(node: Any) -> Iterator[CompValue]:
    """Every SELECT of a parse tree: the query itself and its subqueries."""
    if isinstance(node, CompValue) and node.name in ("SelectQuery", "SubSelect"):
        yield node
    for child in _children(node):
        yield from _selects(child)


def _projection(select: CompValue) -> tuple[list[Variable], bool] | None:
    """The plain projected variables, and whether an expression projects an aggregate; None for SELECT *."""
    projection = _get(select, "projection")
    if not projection:
        return None
    plain: list[Variable] = []
    aggregated = False
    for item in projection:
        if _get(item, "var") is not None:
            plain.append(item["var"])
        elif _has_aggregate(_get(item, "expr")):
            aggregated = True
    return plain, aggregated


def _group_keys(select: CompValue) -> set[Variable]:
    keys: set[Variable] = set()
    groupby = _get(select, "groupby")
    for condition in (_get(groupby, "condition") or []) if groupby is not None else []:
        condition = _unwrap(condition)
        if isinstance(condition, Variable):
            keys.add(condition)
        elif isinstance(condition, CompValue) and condition.name == "GroupAs" and _get(condition, "var") is not None:
            keys.add(condition["var"])
    return keys


def _group_problems(select: CompValue, where: str) -> list[str]:
    projected = _projection(select)
    grouped = _get(select, "groupby") is not None or _get(select, "having") is not None
    if projected is None:
        return [f"{where}: SELECT * with GROUP BY: name the projected variables"] if grouped else []
    plain, aggregated = projected
    if not (grouped or aggregated):
        return []
    keys = _group_keys(select)
    return [
        f"{where}: ?{v} is projected but is not a GROUP BY key: add it to GROUP BY (or aggregate it)"
        for v in plain
        if v not in keys
    ]


def order_keys(text: str) -> list[str] | None:
    """The variables the outermost ORDER BY sorts on, in order (expressions are left out); None without ORDER BY."""
    return _order_keys(parseQuery(text)[1])


def _order_keys(query: CompValue) -> list[str] | None:
    orderby = _get(query, "orderby")
    if orderby is None:
        return None
    keys: list[str] = []
    for condition in _get(orderby, "condition") or []:
        condition = _unwrap(condition)
        if isinstance(condition, CompValue) and condition.name == "OrderCondition":
            condition = _unwrap(_get(condition, "expr"))
        if isinstance(condition, Variable):
            keys.append(str(condition))
    return keys


def _order_problems(query: CompValue) -> list[str]:
    projected = _projection(query)
    keys = _order_keys(query)
    if keys is None:
        return ["no ORDER BY: rows would come in an engine's own order"]
    if projected is None:
        return ["SELECT * cannot be checked for a total ORDER BY: name the projected variables"]
    missing = [f"?{v}" for v in projected[0] if str(v) not in keys]
    if missing:
        return [f"ORDER BY leaves ties: it does not sort on {' '.join(missing)}"]
    return []


def construct_problems(text: str, *, ordered: bool = False) -> list[str]:
    """One line per construct of the SELECT query ``text`` that engines read differently (empty: portable).

    >>> construct_problems("SELECT ?s WHERE { ?s ?p ?o FILTER NOT EXISTS { ?s <urn:x:a>/<urn:x:b>* ?o } }")
    ['property path <urn:x:a>/<urn:x:b>* inside NOT EXISTS: write it as a plain join outside it']
    >>> construct_problems("SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    ['query: ?s is projected but is not a GROUP BY key: add it to GROUP BY (or aggregate it)']
    """
    parsed = parseQuery(text)
    problems: list[str] = []
    _paths_in_negations(translateQuery(parsed).algebra, None, problems)
    query = parsed[1]
    for i, select in enumerate(_selects(query)):
        problems.extend(_group_problems(select, "query" if i == 0 else f"subquery {i}"))
    if ordered:
        problems.extend(_order_problems(query))
    return problems
