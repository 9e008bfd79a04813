"""Succession: what a 2013 name stands for on a given date, and the chain of changes that got there.

The change events live in ``data/lineage.ttl``: renamings, mergers, replacements, abolitions and
restructurings carry the 2013 body, system or standard (``itops:changeOf``) to what stands for it
afterwards (``itops:resultsIn``), with legal and operational dates and sources. Delegations are
kept apart: they move the exercise of a function, not the accountability for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from itops.errors import InputError, ParameterError
from itops.namespace import ITOPS
from itops.terms import ReadableGraph

if TYPE_CHECKING:
    from itops.graph import KnowledgeGraph

EFFECTIVE = date(2013, 4, 1)
"""The day both documents took effect; as-of questions start there."""


@dataclass(frozen=True)
class Evidence:
    """A source for a change."""

    title: str
    url: str
    excerpt: str


@dataclass(frozen=True)
class Change:
    """One change event."""

    iri: URIRef
    kind: str
    originals: tuple[URIRef, ...]
    results: tuple[URIRef, ...]
    legal: date | None
    operational: date | None
    precision: str
    instrument: str
    note: str
    evidence: tuple[Evidence, ...]
    delegated_to: tuple[URIRef, ...] = ()
    accountable: tuple[URIRef, ...] = ()

    def effective(self, basis: str = "operational") -> date:
        """The date the change counts from: operational if known (or legal with ``basis='legal'``)."""
        first, second = (self.legal, self.operational) if basis == "legal" else (self.operational, self.legal)
        chosen = first or second
        if chosen is None:
            raise InputError("data/lineage.ttl", f"change {self.iri} has neither a legal nor an operational date")
        return chosen


def _day(value: object) -> date | None:
    if isinstance(value, Literal):
        return date.fromisoformat(str(value)[:10])
    return None


def changes(graph: ReadableGraph) -> list[Change]:
    """Every change event in ``graph``, sorted by effective date."""
    out = []
    for event in set(graph.subjects(ITOPS.changeOf, None)):
        if not isinstance(event, URIRef):
            continue  # a change event is named; an anonymous one cannot be cited
        # the most specific kind: with entailments an event is also a ChangeEvent, an rdfs:Resource...
        kinds = {
            k
            for k in graph.objects(event, RDF.type)
            if isinstance(k, URIRef) and (k, RDFS.subClassOf, ITOPS.ChangeEvent) in graph and k != ITOPS.ChangeEvent
        }
        kind_iri = min(kinds, default=graph.value(event, RDF.type))
        evidence = []
        for ev in graph.objects(event, ITOPS.evidence):
            evidence.append(
                Evidence(
                    str(graph.value(ev, DCTERMS.title) or ""),
                    str(graph.value(ev, ITOPS.webAddress) or ""),
                    str(graph.value(ev, ITOPS.excerpt) or ""),
                )
            )
        out.append(
            Change(
                iri=event,
                kind=str(graph.value(kind_iri, RDFS.label) or kind_iri),
                originals=tuple(sorted(o for o in graph.objects(event, ITOPS.changeOf) if isinstance(o, URIRef))),
                results=tuple(sorted(r for r in graph.objects(event, ITOPS.resultsIn) if isinstance(r, URIRef))),
                legal=_day(graph.value(event, ITOPS.legalDate)),
                operational=_day(graph.value(event, ITOPS.operationalDate)),
                precision=str(graph.value(event, ITOPS.datePrecision) or "day"),
                instrument=str(graph.value(event, ITOPS.instrument) or ""),
                note=str(graph.value(event, SKOS.scopeNote) or ""),
                evidence=tuple(sorted(evidence, key=lambda e: e.url)),
                delegated_to=tuple(sorted(d for d in graph.objects(event, ITOPS.delegatedTo) if isinstance(d, URIRef))),
                accountable=tuple(
                    sorted(a for a in graph.objects(event, ITOPS.accountabilityRetainedBy) if isinstance(a, URIRef))
                ),
            )
        )
    return sorted(out, key=lambda c: (c.effective(), str(c.iri)))


@dataclass(frozen=True)
class Resolution:
    """What a 2013 name stands for on a date."""

    original: URIRef
    on: date
    current: tuple[URIRef, ...]
    chain: tuple[Change, ...]
    delegations: tuple[Change, ...]
    predecessors: tuple[Change, ...] = field(default=())


def check_date(on: date) -> None:
    """Refuse dates before the documents took effect.

    Raises:
        ParameterError: ``on`` is before 1 April 2013.
    """
    if on < EFFECTIVE:
        raise ParameterError(
            "--on",
            f"{on.isoformat()} is before the documents took effect on {EFFECTIVE.isoformat()}; "
            "give a date from 2013-04-01 on",
        )


def resolve(graph: ReadableGraph, entity: URIRef, on: date, *, basis: str = "operational") -> Resolution:
    """Follow the changes of ``entity`` that took effect on or before ``on``.

    Raises:
        ParameterError: ``on`` is before 1 April 2013.
    """
    check_date(on)
    all_changes = changes(graph)
    structural = [c for c in all_changes if c.kind != "delegation"]
    current = {entity}
    chain: list[Change] = []
    applied: set[URIRef] = set()
    progressed = True
    while progressed:
        progressed = False
        for change in structural:
            if change.iri in applied or change.effective(basis) > on:
                continue
            if current & set(change.originals):
                applied.add(change.iri)
                chain.append(change)
                current = (current - set(change.originals)) | set(change.results)
                progressed = True
    seen = {entity} | {x for c in chain for x in c.originals + c.results}
    delegations = [
        c for c in all_changes if c.kind == "delegation" and set(c.originals) & seen and c.effective(basis) <= on
    ]
    predecessors = [c for c in structural if entity in c.results]
    return Resolution(entity, on, tuple(sorted(current)), tuple(chain), tuple(delegations), tuple(predecessors))


def successor_map(graph: ReadableGraph) -> dict[URIRef, set[URIRef]]:
    """For every successor (today's name), the 2013 bodies, systems or standards it stands for."""
    back: dict[URIRef, set[URIRef]] = {}
    # an abolition passes functions on (PCTs to the NHS CB and CCGs); the bodies that took them do
    # not stand for the abolished one, so it gives no mapping
    structural = [c for c in changes(graph) if c.kind not in ("delegation", "abolition")]
    for change in structural:
        for result in change.results:
            back.setdefault(result, set()).update(change.originals)
    # close transitively: DCB0160 -> SCCI0160 -> ISB 0160
    changed = True
    while changed:
        changed = False
        for _later, earlier in back.items():
            extra = set().union(*(back.get(e, set()) for e in earlier)) - earlier
            if extra:
                earlier |= extra
                changed = True
    return back


def class_map(graph: ReadableGraph, successors: Mapping[URIRef, set[URIRef]]) -> dict[URIRef, set[URIRef]]:
    """Successor classes to 2013 classes, through categories' member classes (ICB -> CCG)."""
    out: dict[URIRef, set[URIRef]] = {}
    for later, earlier in successors.items():
        for later_cls in graph.objects(later, ITOPS.memberClass):
            for e in earlier:
                for early_cls in graph.objects(e, ITOPS.memberClass):
                    if isinstance(later_cls, URIRef) and isinstance(early_cls, URIRef):
                        out.setdefault(later_cls, set()).add(early_cls)
    return out


#: Properties whose values are never given a 2013 equivalent: the lineage's own statements, and
#: types (given theirs through :attr:`Equivalents.classes`).
NOT_MAPPED = (
    RDF.type,
    ITOPS.changeOf,
    ITOPS.resultsIn,
    ITOPS.delegatedBy,
    ITOPS.delegatedTo,
    ITOPS.accountabilityRetainedBy,
)


@dataclass(frozen=True)
class Equivalents:
    """Today's names with the 2013 names they stand for, as (today's, 2013) pairs, sorted.

    Where a register says an organisation is an integrated care board, complies with DCB0160 or
    connects to HSCN, the 2013 rules are about CCGs, ISB 0160 and N3: the loader adds those
    statements beside the register's own (never in place of them), so that the same rules apply.
    """

    names: tuple[tuple[URIRef, URIRef], ...] = ()
    """Bodies, systems and standards (HSCN -> N3), for every property but :data:`NOT_MAPPED`."""
    classes: tuple[tuple[URIRef, URIRef], ...] = ()
    """Kinds of organisation (ICB -> CCG), for ``rdf:type``."""


def equivalents(reference: ReadableGraph) -> Equivalents:
    """The equivalents the change events and member classes of ``reference`` give."""
    successors = successor_map(reference)
    classes = class_map(reference, successors)
    return Equivalents(
        tuple((later, early) for later, earlier in sorted(successors.items()) for early in sorted(earlier)),
        tuple((later, early) for later, earlier in sorted(classes.items()) for early in sorted(earlier)),
    )


@dataclass(frozen=True)
class NamedResolution:
    """A :class:`Resolution` with the display names of everything it mentions, ready to report."""

    resolution: Resolution
    basis: str
    names: Mapping[URIRef, str]

    def name(self, iri: URIRef) -> str:
        """The display name of ``iri``."""
        return self.names.get(iri, str(iri))


def resolve_name(kg: KnowledgeGraph, name: str, on: date, *, basis: str = "operational") -> NamedResolution:
    """What the body, system or standard called ``name`` (a label, acronym or IRI) stands for on ``on``.

    Raises:
        ParameterError: nothing (no individual) is called ``name``, it is ambiguous, or ``on`` is before 2013-04-01.
    """
    index = kg.names()
    lookup = kg.lookup()
    terms = {
        t
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for t in lookup.subjects(RDF.type, kind)
        if isinstance(t, URIRef)
    }
    found = sorted(index.resolve(name) - terms)
    if not found:
        raise ParameterError(
            "NAME",
            f"nothing is called {name!r}",
            candidates=index.suggestions(name, set(index.display) - terms) or ["(none close)"],
        )
    if len(found) > 1:
        raise ParameterError(
            "NAME",
            f"{name!r} is ambiguous; name one by its IRI",
            candidates=[f"{index.display.get(f, f)} <{f}>" for f in found],
        )
    return NamedResolution(resolve(lookup, found[0], on, basis=basis), basis, index.display)
