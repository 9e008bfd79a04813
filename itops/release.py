"""Build the release files: the ontology alone, and the ontology merged with all the data.

``build_release(out_dir)`` writes

* ``itops.ttl``, ``itops.owl`` (RDF/XML), ``itops.jsonld`` -- the ontology alone;
* ``itops-full.ttl``, ``itops-full.owl``, ``itops-full.jsonld``, ``itops-full.nt`` -- the
  ontology and every data file merged into one self-contained ontology: the data files'
  ``owl:Ontology`` nodes (with their ``owl:imports`` and header annotations) are dropped and the
  main ontology's header is kept, so the file imports nothing.

The output is a pure function of the input files: byte-identical across runs and across
processes with different ``PYTHONHASHSEED``. rdflib iterates sets and hashes terms with a
randomised seed, so every graph is first put in a canonical form (see :func:`canonical_graph`):
blank nodes are relabelled from rdflib's canonical (content-derived) labels, triples are
inserted in sorted order, and every namespace a serializer might need a prefix for is bound
beforehand in sorted order. JSON-LD and N-Triples are additionally sorted after serialization.
Nothing time-dependent is written.

The folder is written all or nothing: every file is rendered in memory, written into a fresh
folder and the folder swapped into place, so a failure never leaves a mix of old and new files
or a temporary file behind.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final
from typing import Literal as TypingLiteral

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from itops.io import write_folder_atomic
from itops.namespace import PREFIXES
from itops.resources import resource_dir, resource_files

if TYPE_CHECKING:
    from itops.graph import KnowledgeGraph

__all__ = [
    "ONTOLOGY_FILE",
    "ONTOLOGY_IRI",
    "RELEASE_FILES",
    "Format",
    "build_release",
    "canonical_graph",
    "data_graphs",
    "merged_graph",
    "ontology_graph",
    "render_release",
    "serialize",
]

ONTOLOGY_IRI: Final = URIRef("https://w3id.org/itops")
"""IRI of the main ontology, kept as the IRI of the merged release."""

ONTOLOGY_FILE: Final = "itops.ttl"
"""Name of the ontology's source file in the ``ontology`` folder."""

Format = TypingLiteral["turtle", "xml", "json-ld", "nt"]
"""The serializations the release uses (rdflib format names)."""

RELEASE_FILES: Final[tuple[tuple[str, bool, Format], ...]] = (
    ("itops.ttl", False, "turtle"),
    ("itops.owl", False, "xml"),
    ("itops.jsonld", False, "json-ld"),
    ("itops-full.ttl", True, "turtle"),
    ("itops-full.owl", True, "xml"),
    ("itops-full.jsonld", True, "json-ld"),
    ("itops-full.nt", True, "nt"),
)
"""(file name, merged?, format) of every release file, in the order they are written."""

_CORE_PREFIXES: Final = tuple((prefix, PREFIXES[prefix]) for prefix in ("owl", "rdf", "rdfs", "xsd"))

_JSONLD_UNORDERED_SKIP: Final = frozenset({"@context", "@list"})


def _new_graph() -> Graph:
    """Return an empty graph with no namespace bindings beyond rdflib's ``xml``."""
    return Graph(bind_namespaces="none")


def _parse_turtle(data: bytes, name: str) -> Graph:
    """Parse Turtle ``data``; relative IRIs, if any, resolve against a fixed per-file base."""
    graph = _new_graph()
    graph.parse(data=data, format="turtle", publicID=f"https://w3id.org/itops/source/{name}")
    return graph


def stamp_version(graph: Graph) -> None:
    """Give the ontology header the package's version (``itops.__version__``, the one place it is written)."""
    from itops import __version__  # the package runs this module's importers first: read it when used

    graph.set((ONTOLOGY_IRI, OWL.versionIRI, URIRef(f"{ONTOLOGY_IRI}/{__version__}")))
    graph.set((ONTOLOGY_IRI, OWL.versionInfo, Literal(__version__)))


def ontology_graph() -> Graph:
    """Return the ontology alone (``ontology/itops.ttl``), with its own prefixes bound.

    The source imports the published W3C ORG and PROV (resolved to ``ontology/imports/``
    through ``ontology/catalog-v001.xml``). Release files are self-contained, so those
    ``owl:imports`` are left out here: itops.ttl declares the ORG and PROV-O terms it uses, with
    their published axioms, so the release says the same about them without the imports.
    """
    source = resource_dir("ontology").joinpath(ONTOLOGY_FILE)
    graph = _parse_turtle(source.read_bytes(), ONTOLOGY_FILE)
    stamp_version(graph)
    graph.remove((ONTOLOGY_IRI, OWL.imports, None))
    return graph


def data_graphs() -> list[tuple[str, Graph]]:
    """Return ``(file name, graph)`` for every Turtle file of the ``data`` folder, by name."""
    return [(f.name, _parse_turtle(f.read_bytes(), f.name)) for f in resource_files("data", ".ttl")]


def _describing_triples(graph: Graph, node: Node) -> Iterator[tuple[Node, Node, Node]]:
    """Yield the triples about ``node`` and, recursively, about blank nodes they point to."""
    seen: set[Node] = set()
    todo = [node]
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for s, p, o in graph.triples((subject, None, None)):
            yield s, p, o
            if isinstance(o, BNode):
                todo.append(o)


def _strip_ontology_headers(graph: Graph) -> None:
    """Remove every ``owl:Ontology`` node other than the main one, with its description."""
    headers = [s for s in graph.subjects(RDF.type, OWL.Ontology) if s != ONTOLOGY_IRI]
    for header in headers:
        for triple in list(_describing_triples(graph, header)):
            graph.remove(triple)


def _bind_from(target: Graph, source: Graph) -> None:
    """Bind ``source``'s prefixes in ``target`` unless the prefix or namespace is taken."""
    taken_prefixes = {p for p, _ in target.namespaces()}
    taken_namespaces = {str(n) for _, n in target.namespaces()}
    for prefix, namespace in sorted(source.namespaces()):
        if prefix in taken_prefixes or str(namespace) in taken_namespaces or prefix == "xml":
            continue
        target.bind(prefix, namespace, override=False)
        taken_prefixes.add(prefix)
        taken_namespaces.add(str(namespace))


def merged_graph() -> Graph:
    """Return the ontology and all data files merged into one self-contained ontology.

    The data files' ``owl:Ontology`` nodes (with their ``owl:imports`` and annotations) are
    dropped; the main ontology header (``<https://w3id.org/itops>``) is kept. Prefixes are
    taken from the ontology first, then from the data files in name order.
    """
    merged = ontology_graph()
    for _name, data in data_graphs():
        _strip_ontology_headers(data)
        for triple in data:
            merged.add(triple)
        _bind_from(merged, data)
    _strip_ontology_headers(merged)
    return merged


def _term_key(term: Node) -> tuple[int, str]:
    """Sort key for a term: IRIs, then blank nodes, then literals, each by N-Triples text."""
    rank = 0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2
    return rank, term.n3()


def _triple_key(triple: tuple[Node, Node, Node]) -> tuple[tuple[int, str], ...]:
    """Sort key for a triple: the main ontology's header first, then by terms."""
    header = (0 if triple[0] == ONTOLOGY_IRI else 1, "")
    return (header, *(_term_key(t) for t in triple))


def canonical_graph(graph: Graph) -> Graph:
    """Return a copy of ``graph`` that every serializer writes the same way in every process.

    * blank nodes get rdflib's canonical labels (derived from the graph's content), relabelled
      ``b1``, ``b2``, ... in the order of those labels;
    * triples are inserted in sorted order into a store that iterates in insertion order;
    * prefixes: the core ones, then ``graph``'s own, then generated ``nsN`` prefixes for every
      other namespace a predicate or class needs, all bound in sorted order.
    """
    canonical = list(to_canonical_graph(graph).triples((None, None, None)))
    labels = sorted({str(t) for triple in canonical for t in triple if isinstance(t, BNode)})
    width = len(str(len(labels)))
    relabel = {label: BNode(f"b{i:0{width}d}") for i, label in enumerate(labels, start=1)}

    def fix(term: Node) -> Node:
        return relabel[str(term)] if isinstance(term, BNode) else term

    triples = sorted(((fix(s), fix(p), fix(o)) for s, p, o in canonical), key=_triple_key)
    # SimpleMemory keeps its indexes in dicts, so it iterates in insertion order (the default
    # Memory store iterates a set when no term is given, in an order that varies by process).
    out = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in _CORE_PREFIXES:
        out.bind(prefix, namespace, override=True, replace=True)
    _bind_from(out, graph)
    for s, p, o in triples:
        out.add((s, p, o))
    _bind_needed_prefixes(out)
    return out


def _bind_needed_prefixes(graph: Graph) -> None:
    """Bind, in sorted order, a prefix for every predicate's and class's namespace.

    rdflib's serializers would otherwise invent ``ns1``, ``ns2``, ... in the order they meet
    the terms, which depends on set iteration order and so on ``PYTHONHASHSEED``.
    """
    needed: set[URIRef] = {p for p in graph.predicates() if isinstance(p, URIRef)}
    needed |= {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
    nm = graph.namespace_manager
    for iri in sorted(needed):
        with contextlib.suppress(ValueError, KeyError):
            nm.compute_qname(iri, generate=True)
        with contextlib.suppress(ValueError, KeyError):
            nm.compute_qname_strict(iri, generate=True)


def _sorted_jsonld(value: object) -> object:
    """Return JSON-LD ``value`` with every unordered array sorted (``@list`` keeps its order)."""
    if isinstance(value, dict):
        return {
            key: (
                [_sorted_jsonld(v) for v in item]
                if key in _JSONLD_UNORDERED_SKIP and isinstance(item, list)
                else _sorted_jsonld(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = [_sorted_jsonld(v) for v in value]
        return sorted(items, key=_jsonld_sort_key)
    return value


def _jsonld_sort_key(value: object) -> tuple[str, str]:
    """Sort node objects by ``@id``, anything else by its JSON text."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"]), text
    return "", text


def _used_namespaces(graph: Graph) -> dict[str, str]:
    """Return the bound ``{prefix: namespace}`` that some IRI of ``graph`` starts with."""
    iris: set[str] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal) and term.datatype is not None:
                iris.add(str(term.datatype))
    return {
        prefix: str(ns)
        for prefix, ns in sorted(graph.namespaces())
        if prefix != "xml" and any(iri.startswith(str(ns)) for iri in iris)
    }


def _serialize_jsonld(graph: Graph) -> bytes:
    """Serialize ``graph`` as compacted JSON-LD with a prefix context, deterministically."""
    context = _used_namespaces(graph)
    raw = graph.serialize(format="json-ld", context=context, auto_compact=False)
    document = json.loads(raw)
    text = json.dumps(_sorted_jsonld(document), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


class _OntologyTurtleSerializer(TurtleSerializer):
    """Turtle that writes the ontology header first, then classes, properties, the rest."""

    # rdflib writes the instances of these classes first, in this order, each group sorted
    topClasses = [  # noqa: N815 (rdflib's attribute name)
        OWL.Ontology,
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
    ]


def _serialize_turtle(graph: Graph) -> bytes:
    """Serialize ``graph`` as Turtle, ontology header first."""
    buffer = io.BytesIO()
    _OntologyTurtleSerializer(graph).serialize(buffer, encoding="utf-8")
    return buffer.getvalue()


def _serialize_ntriples(graph: Graph) -> bytes:
    """Serialize ``graph`` as N-Triples, one triple a line, lines sorted."""
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialize(graph: Graph, fmt: Format, *, canonical: bool = True) -> bytes:
    """Return ``graph`` serialized as ``fmt`` (UTF-8).

    With ``canonical=True`` (the default) the graph is first put in canonical form by
    :func:`canonical_graph`, so the bytes are the same in every process whatever the order the
    triples were added in. ``canonical=False`` serializes ``graph`` as it is: use it only for a
    graph that already comes from :func:`canonical_graph`, to avoid doing that work twice.
    """
    g = canonical_graph(graph) if canonical else graph
    if fmt == "json-ld":
        return _serialize_jsonld(g)
    if fmt == "nt":
        return _serialize_ntriples(g)
    data = _serialize_turtle(g) if fmt == "turtle" else g.serialize(format=fmt, encoding="utf-8")
    return data if data.endswith(b"\n") else data + b"\n"


def render_release() -> dict[str, bytes]:
    """Return the content of every release file by name, rendered in memory."""
    graphs = {False: canonical_graph(ontology_graph()), True: canonical_graph(merged_graph())}
    return {name: serialize(graphs[merged], fmt, canonical=False) for name, merged, fmt in RELEASE_FILES}


#: The file that marks a folder as an itops release, so that a later release may replace it whole.
MARKER = ".itops-release"


def build_release(out_dir: Path) -> list[Path]:
    """Write every release file into the folder ``out_dir``, replacing it whole; return the files' paths.

    All files are rendered in memory, written into a fresh folder beside ``out_dir`` and swapped
    into place only when all are complete (:func:`itops.io.write_folder_atomic`): after any failure
    the folder holds the old release or the new one, never a mix, and no temporary file is left.

    Raises:
        OutputError: ``out_dir`` is a file or a non-empty folder that is not an itops release, or cannot be written.
    """
    out_dir = Path(out_dir)
    rendered = render_release()

    def write(folder: Path) -> None:
        for name, _merged, _fmt in RELEASE_FILES:
            (folder / name).write_bytes(rendered[name])

    write_folder_atomic(out_dir, write, marker=MARKER)
    return [out_dir / name for name, _merged, _fmt in RELEASE_FILES]


def trig(kg: KnowledgeGraph) -> bytes:
    """TriG with one named graph per loaded source, each graph in canonical order."""
    parts: list[bytes] = []
    for source in sorted(kg.sources, key=lambda s: str(s.graph_iri)):
        body = serialize(kg.dataset.graph(source.graph_iri), "nt", canonical=True).decode("utf-8")
        lines = "".join(f"    {line}\n" for line in body.splitlines() if line.strip())
        parts.append(f"<{source.graph_iri}> {{\n{lines}}}\n\n".encode())
    return b"".join(parts)
