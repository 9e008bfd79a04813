"""Rule coverage: every obligation of the documents, with the rules that check it or why none can.

The obligations are data (``data/obligations.ttl``): each records the rules that check it on a
register (``itops:checkedBy``) or a reason of its own why a register cannot show it
(``itops:uncheckedBecause``). Coverage counts distinct (document, passage) pairs, and reports
separately the obligations whose subject can be a register organisation: the party they bind is
a category that register classes are members of (directly, through ``itops:comprises``, through a
group decision, or as the IT providers of such a category), or an NHS CB unit a register team
belongs to.

A statement of the documents that states a duty (a responsibility, standard requirement,
escalation or approval route) but that no obligation restates is listed as ``not reviewed``, so
that nothing silently drops out of the count.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from itops.graph import KnowledgeGraph
from itops.loader import load_shapes
from itops.namespace import ITOPS
from itops.query import instances_of

SHAPES_NS = "https://w3id.org/itops/shapes#"
#: Statements of the document data that state a duty; each should be restated by an obligation.
DUTY_CLASSES = (ITOPS.StandardRequirement, ITOPS.Responsibility, ITOPS.EscalationRoute, ITOPS.ApprovalRoute)
NOT_REVIEWED = "not reviewed: no obligation of data/obligations.ttl restates this statement"


@dataclass(frozen=True)
class Obligation:
    """An obligation of a document and what checks it."""

    statement: str
    document: str
    section: str
    passage: str
    party: str
    modality: str
    severity: str
    register_subject: bool
    shapes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Coverage:
    """Counts of distinct (document, passage) pairs, overall and for register organisations."""

    passages: int
    checked: int
    with_reason: int
    not_reviewed: int
    register_passages: int
    register_checked: int
    register_with_reason: int
    unknown_shapes: tuple[str, ...]

    def lines(self) -> list[str]:
        """The summary in words."""
        return [
            f"{self.passages} distinct (document, passage) obligations: {self.checked} checked by a rule, "
            f"{self.with_reason} with a reason no register can show them, {self.not_reviewed} not reviewed.",
            f"Of these, {self.register_passages} bind a kind of organisation a register can hold: "
            f"{self.register_checked} checked by a rule, {self.register_with_reason} with a reason of their own.",
        ]


def register_categories(g: Graph) -> set[URIRef]:
    """The parties a register organisation can be a member of."""
    members: set[URIRef] = set()
    for cls in g.subjects(OWL.equivalentClass, None):
        for restriction in g.objects(cls, OWL.equivalentClass):
            if g.value(restriction, OWL.onProperty) == ITOPS.inCategory:
                value = g.value(restriction, OWL.hasValue)
                if isinstance(value, URIRef):
                    members.add(value)
    for restriction in g.subjects(OWL.onProperty, ITOPS.teamOf):
        unit = g.value(restriction, OWL.hasValue)
        if isinstance(unit, URIRef):
            members.add(unit)
            members |= {c for c in g.subjects(ITOPS.combinesUnit, unit) if isinstance(c, URIRef)}
    members |= {p for p in g.subjects(ITOPS.itProvidersOf, None) if isinstance(p, URIRef)}
    changed = True
    while changed:
        changed = False
        for member in list(members):
            broader = {b for b in g.subjects(ITOPS.comprises, member) if isinstance(b, URIRef)}
            for decision in g.subjects(ITOPS.coversCategory, member):
                group = g.value(decision, ITOPS.decidesGroup)
                if isinstance(group, URIRef):
                    broader.add(group)
            if broader - members:
                members |= broader
                changed = True
    return members


def coverage(kg: KnowledgeGraph) -> list[Obligation]:
    """Every obligation of both documents with the rules that check it or why none can, and the unreviewed duties."""
    g = kg.graph
    registerable = register_categories(g)
    out: list[Obligation] = []
    restated: set[URIRef] = set()
    for ob in sorted(instances_of(g, ITOPS.Obligation), key=str):
        restated |= {s for s in g.objects(ob, ITOPS.derivedFromStatement) if isinstance(s, URIRef)}
        parties = [p for p in g.objects(ob, ITOPS.obligedParty) if isinstance(p, URIRef)]
        shapes = tuple(sorted(_local(s) for s in g.objects(ob, ITOPS.checkedBy)))
        out.append(
            Obligation(
                statement=str(ob),
                document=_document(g, ob),
                section=str(g.value(g.value(ob, ITOPS.fromSection), RDFS.label) or ""),
                passage=str(g.value(ob, ITOPS.quotes) or ""),
                party="; ".join(sorted(str(g.value(p, RDFS.label) or p) for p in parties)),
                modality=str(g.value(ob, ITOPS.modality) or ""),
                severity=str(g.value(ob, ITOPS.severity) or ""),
                register_subject=any(p in registerable for p in parties),
                shapes=shapes,
                reason="" if shapes else str(g.value(ob, ITOPS.uncheckedBecause) or ""),
            )
        )
    for cls in DUTY_CLASSES:
        for s in sorted(instances_of(g, cls) - restated, key=str):
            if g.value(s, ITOPS.noDirectResponsibility) is not None or (s, RDF.type, ITOPS.Reading) in g:
                continue
            restated.add(s)
            out.append(
                Obligation(
                    str(s),
                    _document(g, s),
                    str(g.value(g.value(s, ITOPS.fromSection), RDFS.label) or ""),
                    str(g.value(s, ITOPS.quotes) or ""),
                    "",
                    "",
                    "",
                    False,
                    (),
                    NOT_REVIEWED,
                )
            )
    return sorted(out, key=lambda o: (o.document, o.section, o.passage, o.statement))


def summarise(rows: list[Obligation]) -> Coverage:
    """Counts of distinct (document, passage) pairs: checked, with a reason, not reviewed; overall and for
    obligations about register organisations.

    A passage counts as checked when any obligation stating it is checked by a rule.
    """

    def pairs(selected: list[Obligation]) -> dict[tuple[str, str], list[Obligation]]:
        grouped: dict[tuple[str, str], list[Obligation]] = {}
        for row in selected:
            grouped.setdefault((row.document, row.passage), []).append(row)
        return grouped

    every = pairs(rows)
    register = pairs([r for r in rows if r.register_subject])
    known = {str(s)[len(SHAPES_NS) :] for s in load_shapes().subjects(RDF.type, None) if str(s).startswith(SHAPES_NS)}
    unknown = tuple(sorted({s for r in rows for s in r.shapes} - known))

    def checked(group: dict[tuple[str, str], list[Obligation]]) -> int:
        return sum(1 for obs in group.values() if any(o.shapes for o in obs))

    def reasoned(group: dict[tuple[str, str], list[Obligation]]) -> int:
        return sum(
            1
            for obs in group.values()
            if not any(o.shapes for o in obs) and all(o.reason and o.reason != NOT_REVIEWED for o in obs)
        )

    return Coverage(
        passages=len(every),
        checked=checked(every),
        with_reason=reasoned(every),
        not_reviewed=sum(
            1 for obs in every.values() if any(o.reason == NOT_REVIEWED for o in obs) and not any(o.shapes for o in obs)
        ),
        register_passages=len(register),
        register_checked=checked(register),
        register_with_reason=reasoned(register),
        unknown_shapes=unknown,
    )


def _local(term: object) -> str:
    text = str(term)
    return text[len(SHAPES_NS) :] if text.startswith(SHAPES_NS) else text


def _document(g: Graph, s: URIRef) -> str:
    doc = g.value(s, ITOPS.fromDocument)
    return str(g.value(doc, SKOS.notation) or doc) if doc is not None else ""


__all__ = ["Coverage", "Obligation", "coverage", "register_categories", "summarise"]
