"""The knowledge graph: the bundled ontology and documents, plus any register files, in memory.

Each file is loaded into its own named graph (the ontology into ``https://w3id.org/itops``, a
document into ``https://w3id.org/itops/data/<name>``, a register into the file's URI), and queries
see their union, so that exports can keep one named graph per source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from itops.errors import InputError, QueryError
from itops.loader import (
    Description,
    check_consistent,
    check_input,
    check_register,
    describe_graph,
    read_input,
)
from itops.namespace import DATA_GRAPH_BASE, ITOPS, ONTOLOGY_IRI
from itops.query import (
    NamedQuery,
    NameIndex,
    QueryResult,
    instances_of,
    load_query,
    resolve_parameters,
    run_embedded,
)
from itops.resources import resource_files
from itops.terms import StoreGraph


@dataclass(frozen=True)
class Source:
    """A file loaded into the knowledge graph, and the named graph holding its triples."""

    name: str
    location: str
    graph_iri: URIRef
    triples: int


@dataclass(frozen=True)
class DocumentCounts:
    """How many statements of each kind one document contributes."""

    document: str
    title: str
    commissioning_rows: int
    accountability_rows: int
    matrix_cells: int
    matrix_statements: int
    scope_items: int
    glossary_terms: int
    standard_requirements: int
    escalation_routes: int
    funding_statements: int
    references: int
    statements: int


@dataclass(frozen=True)
class Info:
    """What is loaded: sizes of the ontology and of each document."""

    triples: int
    classes: int
    object_properties: int
    datatype_properties: int
    annotation_properties: int
    organisations: int
    party_categories: int
    services: int
    standards: int
    documents: tuple[DocumentCounts, ...]
    sources: tuple[Source, ...]


def _graph_iri_for(name: str) -> URIRef:
    return ONTOLOGY_IRI if name == "itops" else URIRef(DATA_GRAPH_BASE + name)


class KnowledgeGraph:
    """The ontology, the documents and any registers: an Oxigraph store, with an rdflib view on demand.

    Each file is loaded into its own named graph of an in-memory Oxigraph store, which parses the
    bundled Turtle itself (no rdflib on the way to a query); :attr:`dataset`, the same graphs as
    an rdflib Dataset, is built the first time something needs rdflib (pySHACL, exports, the
    rdflib query engine).

    >>> kg = KnowledgeGraph.bundled()
    >>> [d.document for d in kg.info().documents]
    ['af-2013', 'cp-2012']
    """

    def __init__(self) -> None:
        self._store = ox.Store()
        self._dataset: Dataset | None = None
        self._parts: list[tuple[URIRef, Traversable | Graph]] = []  # what the rdflib view is built from
        self._sources: list[Source] = []
        self._index: NameIndex | None = None
        self._registers: list[tuple[str, list[Description]]] = []

    # ---------------------------------------------------------------- loading

    @classmethod
    def bundled(cls, *, documents: bool = True) -> KnowledgeGraph:
        """Load the packaged ontology and, unless ``documents`` is False, both documents' data."""
        kg = cls()
        for folder in ("ontology", "data") if documents else ("ontology",):
            for file in resource_files(folder, ".ttl"):
                iri = _graph_iri_for(file.name.rsplit(".", 1)[0])
                graph = ox.NamedNode(str(iri))
                kg._store.load(file.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=str(iri), to_graph=graph)
                triples = sum(1 for _ in kg._store.quads_for_pattern(None, None, None, graph))
                kg._parts.append((iri, file))
                kg._register(file.name, f"{folder}/{file.name}", iri, triples)
        return kg

    def add_file(self, path: str | Path, *, graph_iri: str | None = None) -> Source:
        """Load an RDF file (Turtle, N-Triples, RDF/XML, JSON-LD or TriG, by extension) into its own named graph.

        Raises:
            InputError: the file is missing, not a regular file, unreadable, malformed (the
                message names the line) or holds an ill-typed literal.
        """
        source = check_input(path)
        if source.kind != "rdf":
            raise InputError(source.shown, "is not an RDF file; load a register with add_register()")
        graph = read_input(source, self.lookup(), names=self.names())
        return self.add_graph(graph, name=source.shown, graph_iri=graph_iri or source.graph_iri)

    def add_register(self, path: str | Path) -> Source:
        """Load a register (CSV, or RDF with ``itops:odsCode`` organisations) into its own named graph.

        Raises:
            InputError: the file is missing or malformed, holds no organisation, or describes an
                ODS code with another name or type than a register loaded before.
        """
        source = check_input(path)
        graph = read_input(source, self.lookup(), names=self.names())
        check_register(source, graph)
        described = (source.shown, describe_graph(graph))
        check_consistent([*self._registers, described])
        self._registers.append(described)
        return self.add_graph(graph, name=source.shown, graph_iri=source.graph_iri)

    def add_input(self, path: str | Path) -> Source:
        """Load a file a user names: a CSV register with :meth:`add_register`, RDF with :meth:`add_file`.

        Raises:
            InputError: the file is missing, unreadable or malformed; the message names it.
        """
        return self.add_register(path) if check_input(path).kind == "table" else self.add_file(path)

    def add_graph(self, graph: Graph, *, name: str, graph_iri: str) -> Source:
        """Add the triples of an rdflib graph (for example a register read from CSV) as a named graph."""
        iri = URIRef(graph_iri)
        self._store.load(
            graph.serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(graph_iri),
        )
        self._parts.append((iri, graph))
        if self._dataset is not None:
            self._add_to_dataset(self._dataset, iri, graph)
        return self._register(name, name, iri, len(graph))

    def _register(self, name: str, location: str, iri: URIRef, triples: int) -> Source:
        source = Source(name=name, location=location, graph_iri=iri, triples=triples)
        self._sources.append(source)
        self._index = None
        return source

    @staticmethod
    def _add_to_dataset(dataset: Dataset, iri: URIRef, part: Traversable | Graph) -> None:
        target = dataset.graph(iri)
        if isinstance(part, Graph):
            for triple in part:
                target.add(triple)
        else:
            target.parse(data=part.read_text(encoding="utf-8"), format="turtle", publicID=str(iri))

    # ---------------------------------------------------------------- access

    @property
    def store(self) -> ox.Store:
        """The Oxigraph store holding every loaded graph (one named graph per source)."""
        return self._store

    @property
    def dataset(self) -> Dataset:
        """The same graphs as an rdflib Dataset whose default graph is their union (built on first use)."""
        if self._dataset is None:
            dataset = Dataset(default_union=True)
            for iri, part in self._parts:
                self._add_to_dataset(dataset, iri, part)
            self._dataset = dataset
        return self._dataset

    @property
    def graph(self) -> Graph:
        """The union of all loaded graphs as rdflib sees it, for querying."""
        return self.dataset

    @property
    def sources(self) -> tuple[Source, ...]:
        """The files loaded, in load order."""
        return tuple(self._sources)

    def union(self) -> Graph:
        """All loaded triples in one plain rdflib graph (a copy)."""
        data = Graph()
        for triple in self.dataset.triples((None, None, None)):
            data.add(triple)
        return data

    def lookup(self) -> StoreGraph:
        """Read access to the loaded triples for name and class look-ups, straight from the store."""
        return StoreGraph(self._store)

    def names(self) -> NameIndex:
        """The index of names used to resolve query parameters (built once per change)."""
        if self._index is None:
            self._index = NameIndex.build(self.lookup())
        return self._index

    def label(self, iri: URIRef) -> str:
        """The display name of ``iri`` (its rdfs:label, else its IRI)."""
        return self.names().display.get(iri, str(iri))

    # ---------------------------------------------------------------- queries

    def query(
        self, name: str | NamedQuery, params: Mapping[str, str] | None = None, *, engine: str = "auto"
    ) -> QueryResult:
        """Run a named query with its parameters resolved from names or IRIs and bound as terms.

        ``engine`` is ``oxigraph`` (the loaded graphs copied into an embedded, in-memory Oxigraph
        store: fast on large graphs and on the as-of queries), ``rdflib`` (rdflib's own SPARQL
        engine over the same graphs) or ``auto`` (Oxigraph). The two give the same rows; the
        tests check it for every named query.

        Raises:
            UnknownQueryError: no such query.
            ParameterError: a parameter is missing, unknown, malformed or ambiguous.
        """
        query = load_query(name) if isinstance(name, str) else name
        bindings = resolve_parameters(query, params or {}, self.lookup(), self.names())
        if engine == "auto":
            engine = "oxigraph"
        if engine == "oxigraph":
            from itops.query import run_oxigraph

            return run_oxigraph(self.oxigraph_store(), query, bindings)
        if engine != "rdflib":
            from itops.errors import ParameterError

            raise ParameterError("engine", f"unknown engine {engine!r}; use rdflib, oxigraph or auto")
        return run_embedded(self.dataset, query, bindings)

    def oxigraph_store(self) -> ox.Store:
        """The loaded graphs in an in-memory pyoxigraph Store, one named graph per source."""
        return self._store

    def sparql(
        self, text: str, bindings: Mapping[str, object] | None = None, *, allow_service: bool = False
    ) -> QueryResult:
        """Run a SPARQL SELECT query given as text; ``bindings`` maps variable names to RDF terms or Python values.

        A ``SERVICE`` clause would make this host send requests over the network, so it is refused
        unless ``allow_service`` is True.

        Raises:
            QueryError: the text is not valid SPARQL, is not a SELECT query, or uses SERVICE when not allowed.
        """
        from rdflib.plugins.sparql import prepareQuery  # rdflib's SPARQL engine: 0.1 s to import, only run here

        try:
            prepared = prepareQuery(text)
        except Exception as err:  # pyparsing and rdflib raise several types for bad query text
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise QueryError(f"not a valid SPARQL query: {first}") from None
        if prepared.algebra.name != "SelectQuery":
            raise QueryError(f"only SELECT queries are run here, not {prepared.algebra.name.removesuffix('Query')}")
        if not allow_service and _uses_service(prepared.algebra):
            raise QueryError(
                "the query uses SERVICE, which would send requests from this host to another server; "
                "pass allow_service=True to allow it"
            )
        query = NamedQuery.parse("inline", text)
        terms = {k: (v if isinstance(v, (URIRef, Literal)) else Literal(v)) for k, v in (bindings or {}).items()}
        try:
            return run_embedded(self.dataset, query, terms)
        except Exception as err:  # evaluation errors of rdflib's engine
            raise QueryError(f"the query failed: {err}") from None

    # ---------------------------------------------------------------- summary

    def info(self) -> Info:
        """Counts of what is loaded."""
        g = self.dataset

        def count_type(cls: URIRef) -> int:
            return len(set(g.subjects(RDF.type, cls)))

        docs = []
        documents = {d for d in g.subjects(RDF.type, ITOPS.Document) if isinstance(d, URIRef)}
        for doc in sorted(documents, key=str):
            notation = g.value(doc, SKOS.notation)
            docs.append(self._document_counts(doc, str(notation) if notation else str(doc)))
        return Info(
            triples=len(g),
            classes=len({c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}),
            object_properties=count_type(OWL.ObjectProperty),
            datatype_properties=count_type(OWL.DatatypeProperty),
            annotation_properties=count_type(OWL.AnnotationProperty),
            organisations=len(_instances(g, URIRef("http://www.w3.org/ns/org#Organization"))),
            party_categories=len(_instances(g, ITOPS.PartyCategory)),
            services=len(_instances(g, ITOPS.Service)),
            standards=len(_instances(g, ITOPS.Standard)),
            documents=tuple(docs),
            sources=self.sources,
        )

    def _document_counts(self, doc: URIRef, key: str) -> DocumentCounts:
        g = self.dataset
        statements = set(g.subjects(ITOPS.fromDocument, doc))

        def of(cls: URIRef) -> set[URIRef]:
            return {s for s in statements if isinstance(s, URIRef) and _is_a(g, s, cls)}

        matrix = of(ITOPS.MatrixResponsibility)
        cells = {(g.value(s, ITOPS.forFunction), g.value(s, ITOPS.heldBy)) for s in matrix}
        title = g.value(doc, DCTERMS.title)
        return DocumentCounts(
            document=key,
            title=str(title) if title else key,
            commissioning_rows=len(of(ITOPS.CommissioningArrangement)),
            accountability_rows=len(of(ITOPS.AccountabilityArrangement)),
            matrix_cells=len(cells),
            matrix_statements=len(matrix),
            scope_items=len(of(ITOPS.ScopeItem)),
            glossary_terms=len(of(ITOPS.GlossaryEntry)),
            standard_requirements=len(of(ITOPS.StandardRequirement)),
            escalation_routes=len(of(ITOPS.EscalationRoute)),
            funding_statements=len(of(ITOPS.FundingStatement)),
            references=len(of(ITOPS.ReferenceEntry)),
            statements=len(statements),
        )


def _uses_service(node: object) -> bool:
    """True when a SPARQL algebra tree holds a SERVICE pattern."""
    from rdflib.plugins.sparql.parserutils import CompValue  # as prepareQuery: loaded only for a query

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_uses_service(value) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(_uses_service(value) for value in node)
    return False


def _is_a(g: Graph, node: URIRef, cls: URIRef) -> bool:
    return (node, RDF.type, cls) in g


def _instances(g: Graph, cls: URIRef) -> set[URIRef]:
    return instances_of(g, cls)


def load(*paths: str | Path, documents: bool = True) -> KnowledgeGraph:
    """Load the bundled ontology and documents, then the given RDF files.

    Raises:
        InputError: a file is missing or malformed; the message names the file and line.
    """
    kg = KnowledgeGraph.bundled(documents=documents)
    for path in paths:
        kg.add_file(path)
    return kg


__all__: Sequence[str] = ["KnowledgeGraph", "Info", "DocumentCounts", "Source", "load"]
