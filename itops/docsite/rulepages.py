"""Rule pages: a shape's passage, its condition in plain words, its shipped examples and its findings."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from itops.docsite.model import Link, Pages, Statement, slug, text, uris
from itops.findings import Finding, Rule
from itops.namespace import ITOPS
from itops.resources import resource_dir

_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Example:
    """A shipped example for a rule: Turtle that passes or fails it, and the focus nodes that must fail."""

    kind: str  # "pass" or "fail"
    turtle: str
    expected: list[str]


@dataclass(frozen=True)
class RulePage:
    """Everything a rule's page shows."""

    rule: Rule
    id: str
    severity: str
    applies_to: list[str]
    fails_when: list[str]
    sections: list[Link]
    statements: list[Statement]
    parties: list[Link]
    party_iris: list[URIRef]
    examples: list[Example]
    findings: list[Finding]
    obligations: list[Statement]  # the obligations of the documents it checks


def rule_id(shape: str) -> str:
    """The page name of a rule: its shape's local name."""
    return slug(URIRef(shape))


def examples_for(shape: str) -> list[Example]:
    """The packaged pass/fail examples of a rule (``shapes/examples/<Shape>/``, also the tests' fixtures), if any."""
    folder = resource_dir("shapes").joinpath("examples", rule_id(shape))
    out = []
    for kind in ("pass", "fail"):
        file = folder.joinpath(f"{kind}.ttl")
        if file.is_file():
            turtle = file.read_text(encoding="utf-8")
            expected = re.findall(r"^# expect: (\S+)", turtle, flags=re.M)
            out.append(Example(kind, turtle, expected))
    return out


def _targets(shapes: Graph, pages: Pages, shape: Node) -> list[str]:
    out = []
    for cls in uris(shapes, shape, SH.targetClass):
        out.append(f"every {pages.label(cls)}")
    for p in uris(shapes, shape, SH.targetSubjectsOf):
        out.append(f"everything that has a “{pages.label(p)}”")
    for p in uris(shapes, shape, SH.targetObjectsOf):
        out.append(f"everything that is the “{pages.label(p)}” of something")
    for n in uris(shapes, shape, SH.targetNode):
        out.append(pages.label(n))
    return out


def _messages(shapes: Graph, shape: Node) -> list[str]:
    found = [text(shapes, shape, SH.message)]
    for prop in shapes.objects(shape, SH.property):
        found.append(text(shapes, prop, SH.message))
    for sparql in shapes.objects(shape, SH.sparql):
        found.append(text(shapes, sparql, SH.message))
    return sorted({m for m in found if m})


def _severity(shapes: Graph, shape: Node) -> str:
    severities = {shapes.value(shape, SH.severity)} | {
        shapes.value(p, SH.severity) for p in shapes.objects(shape, SH.property)
    }
    names = sorted({_SEVERITY[s] for s in severities if isinstance(s, URIRef) and s in _SEVERITY})
    return " / ".join(names) or "Violation"


def rule_parties(graph: Graph, shapes: Graph) -> dict[str, list[URIRef]]:
    """For each rule, the parties and categories it is about: the categories whose member class it targets,
    and the parties its enforced statements bind."""
    member_of: dict[URIRef, set[URIRef]] = defaultdict(set)
    for category, cls in graph.subject_objects(ITOPS.memberClass):
        if isinstance(category, URIRef) and isinstance(cls, URIRef):
            member_of[cls].add(category)
    binding = (ITOPS.heldBy, ITOPS.appliesTo, ITOPS.escalatedBy, ITOPS.hasCommissioner, ITOPS.commissionedFrom)
    out: dict[str, list[URIRef]] = {}
    for shape in sorted({s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}, key=str):
        found: set[URIRef] = set()
        for cls in uris(shapes, shape, SH.targetClass):
            todo, seen = [cls], set()
            while todo:  # the class and its superclasses
                c = todo.pop()
                if c in seen:
                    continue
                seen.add(c)
                found |= member_of.get(c, set())
                todo.extend(uris(graph, c, RDFS.subClassOf))
        for st in uris(shapes, shape, ITOPS.enforcesStatement):
            for prop in binding:
                found |= set(uris(graph, st, prop))
        out[str(shape)] = sorted(found, key=str)
    return out


def rule_pages(
    graph: Graph,
    shapes: Graph,
    pages: Pages,
    all_rules: list[Rule],
    stmts: dict[URIRef, Statement],
    findings: list[Finding] | None,
) -> list[RulePage]:
    """One page's worth of data per rule."""
    parties = rule_parties(graph, shapes)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings or []:
        by_rule[f.rule].append(f)
    out = []
    for rule in all_rules:
        shape = URIRef(rule.shape)
        messages = _messages(shapes, shape)
        out.append(
            RulePage(
                rule=rule,
                id=rule_id(rule.shape),
                severity=_severity(shapes, shape),
                applies_to=_targets(shapes, pages, shape),
                fails_when=messages,
                sections=pages.links(uris(shapes, shape, ITOPS.enforcesSection)),
                statements=[stmts[s] for s in uris(shapes, shape, ITOPS.enforcesStatement) if s in stmts],
                parties=pages.links(parties.get(rule.shape, [])),
                party_iris=parties.get(rule.shape, []),
                examples=examples_for(rule.shape),
                findings=by_rule.get(rule.shape, []),
                obligations=sorted(
                    (stmts[o] for o in graph.subjects(ITOPS.checkedBy, shape) if isinstance(o, URIRef) and o in stmts),
                    key=lambda st: (str(st.document), st.sort_key),
                ),
            )
        )
    return out
