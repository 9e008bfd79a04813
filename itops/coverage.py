"""Rule coverage: every obligation the documents state, with the shape that enforces it or why none can.

An obligation is a standard requirement, a responsibility (a tasks-and-functions statement or a
duty stated in prose, except cells reading "No direct responsibility"), an escalation route or an
approval route. A shape enforces a statement when it names it with ``itops:enforcesStatement``.
Where no shape does, the reason is derived from what the statement is about: a register of
organisations records kinds of organisation, the systems they connect to, their suppliers,
assurances, IGT status, smartcards and registration authority; duties of national bodies and
activities are not recorded there.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from itops.graph import KnowledgeGraph
from itops.namespace import ID, ITOPS
from itops.query import instances_of
from itops.validate import load_shapes

NATIONAL = {ID["nhs-cb"], ID["hscic"], ID["mod"], ID["dms"], ID["dh"], ID["nhs"], ID["iscg"], ID["nhs-bsa"], ID["nhais-agency"]}
OBLIGATION_CLASSES = (ITOPS.StandardRequirement, ITOPS.Responsibility, ITOPS.EscalationRoute, ITOPS.ApprovalRoute)


@dataclass(frozen=True)
class Obligation:
    """An obligation of a document and what enforces it."""

    statement: str
    document: str
    section: str
    passage: str
    shapes: tuple[str, ...]
    reason: str


def _is_national(g: Graph, party: URIRef) -> bool:
    if party in NATIONAL:
        return True
    parent = g.value(party, URIRef("http://www.w3.org/ns/org#unitOf"))
    return parent in NATIONAL


def _reason(g: Graph, s: URIRef, enforced_passages: set[str]) -> str:
    if g.value(s, ITOPS.validUntil) is not None:
        return "describes the arrangements before 1 April 2013"
    passage = str(g.value(s, ITOPS.quotes) or "")
    if passage in enforced_passages:
        return "the same passage is enforced through a standard requirement (see that rule)"
    holders = set(g.objects(s, ITOPS.heldBy)) | set(g.objects(s, ITOPS.appliesTo)) | set(g.objects(s, ITOPS.escalatedBy))
    holders |= set(g.objects(s, ITOPS.approvalSoughtBy))
    holders_uri = {h for h in holders if isinstance(h, URIRef)}
    if holders_uri and all(_is_national(g, h) for h in holders_uri):
        names = ", ".join(sorted(str(g.value(h, RDFS.label) or h) for h in holders_uri))
        return f"a duty of a national body ({names}); an organisation register does not hold it — check by audit"
    if (s, RDF.type, ITOPS.ApprovalRoute) in g:
        return "an approval to seek before a change; registers record no change requests"
    if (s, RDF.type, ITOPS.EscalationRoute) in g:
        return "a route for incidents as they happen; registers record no incidents"
    if any((h, ITOPS.memberClass, None) in g or (h, ITOPS.comprises, None) in g for h in holders_uri):
        return ("an activity or policy duty (commissioning, implementing, advising, reporting) that a register of "
                "organisations does not record")
    return "not recorded in an organisation register"


def coverage(kg: KnowledgeGraph) -> list[Obligation]:
    """Every obligation of both documents, with the shapes that enforce it or the reason none can."""
    g = kg.graph
    shapes = load_shapes()
    enforced: dict[URIRef, list[str]] = {}
    for shape, statement in shapes.subject_objects(ITOPS.enforcesStatement):
        if isinstance(statement, URIRef):
            enforced.setdefault(statement, []).append(str(shapes.value(shape, RDFS.label) or shape))
    enforced_passages = {str(g.value(s, ITOPS.quotes)) for s in enforced}
    statements: set[URIRef] = set()
    for cls in OBLIGATION_CLASSES:
        statements |= instances_of(g, cls)
    out = []
    for s in statements:
        if g.value(s, ITOPS.noDirectResponsibility) is not None:
            continue
        doc = g.value(s, ITOPS.fromDocument)
        section = g.value(s, ITOPS.fromSection)
        shapes_for = tuple(sorted(enforced.get(s, [])))
        out.append(
            Obligation(
                statement=str(s),
                document=str(g.value(doc, SKOS.notation) or doc),
                section=str(g.value(section, RDFS.label) or section),
                passage=str(g.value(s, ITOPS.quotes) or ""),
                shapes=shapes_for,
                reason="" if shapes_for else _reason(g, s, enforced_passages),
            )
        )
    return sorted(out, key=lambda o: (o.document, o.section, o.passage, o.statement))
