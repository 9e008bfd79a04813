"""Consistency check for users: the ontology, both documents and the user's registers under HermiT.

HermiT (bundled with owlready2, run with the machine's Java) decides whether everything loaded
is consistent. When it is not, HermiT says only that; :func:`check` then looks for the clash in
words: an individual that the data (its asserted types, the domains and ranges of the
properties it is used with, and the subclass axioms) puts in two classes the ontology declares
disjoint. A failure to run the reasoner (no Java, a crash, a timeout) is never reported as a
result: it raises :class:`ReasonerError`.

Nothing reaches the network: every ``owl:imports`` is removed before the merged graph is handed
to owlready2, which reads it from a local file.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from itops.errors import ItopsError
from itops.graph import KnowledgeGraph


class ReasonerError(ItopsError):
    """The consistency check could not run (no Java, HermiT failed or timed out); nothing was decided."""


@dataclass(frozen=True)
class Clash:
    """An individual put in two disjoint classes, and why."""

    individual: str
    label: str
    first: str
    second: str
    first_because: str
    second_because: str

    def sentence(self) -> str:
        """The clash in words."""
        return (
            f"{self.label} ({self.individual}) is a {self.first} ({self.first_because}) and a {self.second} "
            f"({self.second_because}), but the ontology says nothing can be both."
        )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of the consistency check."""

    consistent: bool
    triples: int
    clashes: tuple[Clash, ...]

    def explanation(self) -> list[str]:
        """What the result means, in words."""
        if self.consistent:
            return [
                f"Consistent: HermiT found no contradiction in {self.triples} triples "
                "(ontology, documents and registers)."
            ]
        lines = [f"Inconsistent: HermiT found a contradiction in {self.triples} triples."]
        lines += [c.sentence() for c in self.clashes]
        if not self.clashes:
            lines.append(
                "No individual is directly put in two disjoint classes; the contradiction comes from a longer "
                "chain of axioms. Check the last data you added (types, and values of properties whose range "
                "is a class)."
            )
        return lines


def _label(g: Graph, node: URIRef) -> str:
    return str(g.value(node, RDFS.label) or str(node).rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def _disjoint_pairs(g: Graph) -> set[frozenset[URIRef]]:
    pairs: set[frozenset[URIRef]] = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            pairs.add(frozenset((a, b)))
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = g.value(axiom, OWL.members)
        if members is None:
            continue
        classes = [m for m in Collection(g, members) if isinstance(m, URIRef)]
        pairs |= {frozenset(p) for p in itertools.combinations(classes, 2)}
    return pairs


def _superclasses(g: Graph, cls: URIRef) -> dict[URIRef, URIRef]:
    """Every named superclass of ``cls`` (itself included), each with the class it was reached from."""
    out = {cls: cls}
    frontier = [cls]
    while frontier:
        current = frontier.pop()
        for sup in itertools.chain(g.objects(current, RDFS.subClassOf), g.objects(current, OWL.equivalentClass)):
            if isinstance(sup, URIRef) and sup not in out:
                out[sup] = current
                frontier.append(sup)
    return out


def _types(g: Graph, individual: URIRef) -> dict[URIRef, str]:
    """The classes the data puts ``individual`` in, each with why."""
    direct: dict[URIRef, str] = {}
    for cls in g.objects(individual, RDF.type):
        if isinstance(cls, URIRef) and cls not in (OWL.NamedIndividual, OWL.Thing):
            direct.setdefault(cls, "asserted")
    for prop, _ in g.predicate_objects(individual):
        for cls in g.objects(prop, RDFS.domain):
            if isinstance(cls, URIRef):
                direct.setdefault(cls, f"it has a value for {_label(g, prop) if isinstance(prop, URIRef) else prop}")
    for subject, prop in g.subject_predicates(individual):
        if prop == RDF.type:
            continue
        for cls in g.objects(prop, RDFS.range):
            if isinstance(cls, URIRef) and isinstance(subject, URIRef):
                direct.setdefault(
                    cls, f"{_label(g, subject)} names it as its {_label(g, prop) if isinstance(prop, URIRef) else prop}"
                )
    out: dict[URIRef, str] = {}
    for cls, why in direct.items():
        for sup, via in _superclasses(g, cls).items():
            out.setdefault(sup, why if sup == cls else f"{why}, and every {_label(g, via)} is a {_label(g, sup)}")
    return out


def clashes(g: Graph, individuals: Iterable[URIRef] | None = None) -> list[Clash]:
    """Individuals the data puts in two classes the ontology declares disjoint."""
    pairs = _disjoint_pairs(g)
    if individuals is None:
        individuals = {s for s in g.subjects() if isinstance(s, URIRef)}
    found = []
    for individual in sorted(individuals, key=str):
        if (individual, RDF.type, OWL.Class) in g or (individual, RDF.type, OWL.Ontology) in g:
            continue
        types = _types(g, individual)
        for pair in sorted(pairs, key=lambda p: sorted(map(str, p))):
            a, b = sorted(pair, key=str)
            if a in types and b in types:
                found.append(
                    Clash(str(individual), _label(g, individual), _label(g, a), _label(g, b), types[a], types[b])
                )
    return found


def _without_imports(g: Graph) -> Graph:
    out = Graph()
    for s, p, o in g:
        if p != OWL.imports:
            out.add((s, p, o))
    return out


def check_graph(graph: Graph) -> CheckResult:
    """Run HermiT on ``graph`` (ontology and data in one graph).

    Raises:
        ReasonerError: Java is missing or HermiT failed; nothing was decided.
    """
    import owlready2  # heavy (Java bridge, its own quadstore); only this command needs it

    if shutil.which("java") is None:
        raise ReasonerError("itops check needs Java (the 'java' command) to run the HermiT reasoner; install a JRE")
    data = _without_imports(graph)
    with tempfile.TemporaryDirectory(prefix="itops-check-") as folder:
        path = Path(folder) / "merged.nt"
        data.serialize(destination=str(path), format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load(fileobj=path.open("rb"), format="ntriples")
        except Exception as error:  # owlready2 raises plain exceptions on parse failures
            raise ReasonerError(f"owlready2 could not read the merged graph: {error}") from None
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return CheckResult(False, len(data), tuple(clashes(data)))
        except Exception as error:  # HermiT's Java process failed: a failure to check, not a result
            raise ReasonerError(
                f"HermiT failed: {str(error).strip().splitlines()[-1] if str(error).strip() else error!r}"
            ) from None
    return CheckResult(True, len(data), ())


def check(kg: KnowledgeGraph) -> CheckResult:
    """Run HermiT on everything loaded in ``kg`` (ontology, documents and any registers).

    Raises:
        ReasonerError: the check could not run.
    """
    return check_graph(kg.union())


__all__ = ["CheckResult", "Clash", "ReasonerError", "check", "check_graph", "clashes"]
