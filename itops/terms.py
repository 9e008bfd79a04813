"""RDF terms between rdflib and Oxigraph: the one place that converts them.

rdflib writes a plain literal without a datatype where Oxigraph says ``xsd:string``; both mean
the same RDF 1.1 term, and both directions here agree on it.

:class:`StoreGraph` gives an Oxigraph store the few read methods of an rdflib graph that name
look-ups need (``triples``, ``subjects``, ``objects``, ``value``), so that they run on the store
without parsing the bundled Turtle with rdflib.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

_XSD_STRING = str(XSD.string)

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
OxSubject = ox.NamedNode | ox.BlankNode


@contextmanager
def quiet_rdflib() -> Iterator[None]:
    """Keep literals as written and silence rdflib's tracebacks and warnings about ill-typed ones.

    rdflib logs a traceback (and warns) for each ill-typed literal; itops reports them itself, as
    input errors at load or as findings of ``sh:datatype``.
    """
    logger = logging.getLogger("rdflib.term")
    level, normalise = logger.level, rdflib.NORMALIZE_LITERALS
    logger.setLevel(logging.CRITICAL)
    rdflib.NORMALIZE_LITERALS = False  # keep the lexical form as written, to name it in the message
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        rdflib.NORMALIZE_LITERALS = normalise


def to_rdflib(term: OxTerm | ox.Triple | ox.DefaultGraph | None) -> Node | None:
    """The rdflib term for an Oxigraph term (None stays None: an unbound variable).

    >>> to_rdflib(ox.Literal("x"))
    rdflib.term.Literal('x')

    Raises:
        TypeError: an RDF-star triple term, which itops does not use.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:  # a simple literal, as rdflib (and pySHACL) writes it
            return Literal(term.value)
        # normalize=False keeps an ill-typed lexical form ("maybe"^^xsd:boolean) as it is in the data
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    raise TypeError(f"unexpected term {term!r}")


def to_oxigraph(term: Node) -> OxTerm:
    """The Oxigraph term for an rdflib term.

    >>> to_oxigraph(Literal("x")) == ox.Literal("x")
    True

    Raises:
        TypeError: a variable or another non-RDF term.
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _subject(term: Node | None) -> OxSubject | None:
    if term is None:
        return None
    converted = to_oxigraph(term)
    if isinstance(converted, ox.Literal):
        return None
    return converted


class StoreGraph:
    """Read-only, rdflib-like access to the union of an Oxigraph store's graphs (terms come back as rdflib's).

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("https://e.org/a"), ox.NamedNode("https://e.org/p"), ox.Literal("A")))
    >>> StoreGraph(store).value(URIRef("https://e.org/a"), URIRef("https://e.org/p"))
    rdflib.term.Literal('A')
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        """The triples matching ``pattern`` (None matches anything), in any graph of the store."""
        s, p, o = pattern
        subject = _subject(s)
        if s is not None and subject is None:
            return
        predicate = None if p is None else to_oxigraph(p)
        if predicate is not None and not isinstance(predicate, ox.NamedNode):
            return
        obj = None if o is None else to_oxigraph(o)
        for quad in self.store.quads_for_pattern(subject, predicate, obj, None):
            triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            if triple[0] is not None and triple[1] is not None and triple[2] is not None:
                yield triple[0], triple[1], triple[2]

    def subjects(self, predicate: Node | None = None, object: Node | None = None) -> Iterator[Node]:  # noqa: A002
        """The subjects of the triples with this predicate and object (rdflib's argument names)."""
        for s, _, _ in self.triples((None, predicate, object)):
            yield s

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        """The objects of the triples with this subject and predicate."""
        for _, _, o in self.triples((subject, predicate, None)):
            yield o

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        """One object of ``subject`` and ``predicate``, or None."""
        return next(self.objects(subject, predicate), None)

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        return next(self.triples(triple), None) is not None


def select(
    store: ox.Store, query: str, *, default_graph: ox.NamedNode | ox.DefaultGraph | None = None, union: bool = False
) -> ox.QuerySolutions:
    """Run a SELECT query on ``store`` (its default graph, ``default_graph``, or the union of all graphs)."""
    if default_graph is not None:
        result = store.query(query, default_graph=default_graph)
    else:
        result = store.query(query, use_default_graph_as_union=union)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return result


#: What name and class look-ups read: an rdflib graph, or an Oxigraph store through :class:`StoreGraph`.
ReadableGraph = Graph | StoreGraph

__all__ = ["to_rdflib", "to_oxigraph", "StoreGraph", "OxTerm", "ReadableGraph", "select"]
