"""Obligations: what the documents require of each kind of organisation, and of one organisation.

The obligations are data (``data/obligations.ttl``): each names the party or category it binds,
what it requires, the modality as printed, any condition, who assures it, where issues go, the
passage, and either the shapes that check it (``itops:checkedBy``) or why no register can show
it (``itops:uncheckedBecause``).

An obligation applies to a kind of organisation when the party it binds is a category the kind
belongs to (a register class is membership of its category, and membership carries up through
``itops:comprises``; see ``data/obligations-categories.ttl``), when a group decision of the data
says the vague group it binds covers such a category, or when a shape that checks it targets the
kind. A local IT supplier belongs to the category of IT providers of each organisation that
names it as its supplier (``itops:itProvidersOf``); one register team of the NHS CB belongs to
the units it is one of.

For one organisation of a register each obligation has a status:

* ``broken``: a rule that checks it fires on the organisation;
* ``met``: the rules that check it run on the organisation, pass, and the organisation has a value
  for what they read;
* ``does not arise``: its rules pass only because the duty's condition does not hold, and the
  register shows that it does not: a rule that applies only where the organisation "connects to
  N3" (the labelled shape ``X`` of a member ``[ sh:not X ]`` of its ``sh:or``) on an organisation
  that records other systems and not N3. It never counts as met;
* ``not recorded``: no rule checks it on this organisation, or the register holds no value for
  what the rule reads (a missing column or an empty cell). It never counts as met.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Literal

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from itops.errors import ParameterError
from itops.fastshacl import TARGETS, run_engine, without_targets
from itops.findings import Report
from itops.graph import KnowledgeGraph
from itops.lineage import check_date, resolve
from itops.loader import Inference, Loaded, bundled_equivalents, load_shapes, store_from_graph, with_2013_names
from itops.namespace import ID, ITOPS
from itops.register import ODS, organisation_types
from itops.validate import validate_data, validate_store

Status = Literal["broken", "met", "does not arise", "not recorded"]
STATUSES: tuple[Status, ...] = ("broken", "met", "does not arise", "not recorded")
SHAPES_NS = "https://w3id.org/itops/shapes#"
_ORGANISATION = URIRef("http://www.w3.org/ns/org#Organization")


@dataclass(frozen=True)
class ObligationRow:
    """One obligation as the documents state it, and how it applies."""

    obligation: str
    document: str
    section: str
    party: str
    action: str
    modality: str
    condition: str
    severity: str
    assured_by: str
    issues_go_to: str
    alternatives: str
    passage: str
    checked_by: tuple[str, ...]
    unchecked_because: str
    note: str
    applies_because: str


@dataclass(frozen=True)
class OrganisationObligation:
    """One obligation of one organisation of a register, with its status."""

    ods_code: str
    organisation: str
    status: Status
    detail: str
    obligation: ObligationRow


# ------------------------------------------------------------------------------------------------
# What applies to a kind of organisation
# ------------------------------------------------------------------------------------------------


def _label(g: Graph, node: Node) -> str:
    return str(g.value(node, RDFS.label) or node)


def _superclasses(g: Graph, cls: URIRef) -> set[URIRef]:
    seen = {cls}
    frontier = [cls]
    while frontier:
        for sup in g.objects(frontier.pop(), RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup not in seen:
                seen.add(sup)
                frontier.append(sup)
    return seen


def _class_category(g: Graph, cls: URIRef) -> URIRef | None:
    """The category a class is membership of (``cls owl:equivalentClass [owl:hasValue C]``)."""
    for restriction in g.objects(cls, OWL.equivalentClass):
        if g.value(restriction, OWL.onProperty) == ITOPS.inCategory:
            value = g.value(restriction, OWL.hasValue)
            if isinstance(value, URIRef):
                return value
    return None


def _broader(g: Graph, categories: dict[URIRef, str]) -> dict[URIRef, str]:
    """Close ``categories`` (category -> why) under 'is comprised by' and the group decisions."""
    out = dict(categories)
    frontier = list(out)
    while frontier:
        current = frontier.pop()
        found: list[tuple[URIRef, str]] = []
        for broader in g.subjects(ITOPS.comprises, current):
            if isinstance(broader, URIRef) and not _left_open_to(g, broader, current):
                found.append((broader, f"{_label(g, current)} are among {_label(g, broader)}"))
        for decision in g.subjects(ITOPS.coversCategory, current):
            group = g.value(decision, ITOPS.decidesGroup)
            if isinstance(group, URIRef):
                found.append((group, f"group {_label(g, decision)}"))
        for broader, why in found:
            if broader not in out:
                out[broader] = f"{out[current]}; {why}" if out[current] else why
                frontier.append(broader)
    return out


def _left_open_to(g: Graph, group: URIRef, member: URIRef) -> bool:
    """True when a group decision leaves ``group`` open and does not name ``member`` as covered."""
    for decision in g.subjects(ITOPS.decidesGroup, group):
        left_open = (decision, ITOPS.leftOpen, RdfLiteral(True)) in g
        if left_open and (decision, ITOPS.coversCategory, member) not in g:
            return True
    return False


def _units(g: Graph, unit: URIRef) -> dict[URIRef, str]:
    out = {unit: f"one of the {_label(g, unit)}"}
    for combined in g.subjects(ITOPS.combinesUnit, unit):
        if isinstance(combined, URIRef):
            out[combined] = f"the {_label(g, unit)} are part of the {_label(g, combined)}"
    return out


def categories_of_class(g: Graph, cls: URIRef) -> dict[URIRef, str]:
    """The documents' categories (and NHS CB units) an instance of ``cls`` belongs to, with why."""
    found: dict[URIRef, str] = {}
    for sup in _superclasses(g, cls):
        category = _class_category(g, sup)
        if category is not None:
            found[category] = "" if sup == cls else f"a {_label(g, cls)} is a {_label(g, sup)}"
        for restriction in g.objects(sup, RDFS.subClassOf):
            if g.value(restriction, OWL.onProperty) == ITOPS.teamOf:
                unit = g.value(restriction, OWL.hasValue)
                if isinstance(unit, URIRef):
                    found.update(_units(g, unit))
    return _broader(g, found)


#: How a client-less local IT supplier's IT-provider categories are given: on a condition the register does not show.
_WHEN_SUPPLIER = "when it is the IT supplier of"


def _it_provider_categories(g: Graph, clients: Iterable[URIRef] | None) -> dict[URIRef, str]:
    """IT-provider categories: of the given client categories, or (None) every one, conditionally."""
    out: dict[URIRef, str] = {}
    for providers, served in g.subject_objects(ITOPS.itProvidersOf):
        if not isinstance(providers, URIRef) or not isinstance(served, URIRef):
            continue
        if clients is None:
            out[providers] = f"{_WHEN_SUPPLIER} {_label(g, served)}"
        elif served in set(clients):
            out[providers] = f"it is the IT supplier of {_label(g, served)}"
    return out


def _shape_targets(shapes: Graph, shape: URIRef) -> set[URIRef]:
    return {t for t in shapes.objects(shape, SH.targetClass) if isinstance(t, URIRef)}


def _row(g: Graph, ob: URIRef, because: str) -> ObligationRow:
    def labels(prop: URIRef) -> str:
        return "; ".join(sorted(_label(g, p) for p in g.objects(ob, prop)))

    document = g.value(ob, ITOPS.fromDocument)
    section = g.value(ob, ITOPS.fromSection)
    return ObligationRow(
        obligation=str(ob),
        document=str(g.value(document, SKOS.notation) or document) if document is not None else "",
        section=_label(g, section) if section is not None else "",
        party=labels(ITOPS.obligedParty),
        action=str(g.value(ob, ITOPS.obligedAction) or ""),
        modality=str(g.value(ob, ITOPS.modality) or ""),
        condition=str(g.value(ob, ITOPS.condition) or ""),
        severity=str(g.value(ob, ITOPS.severity) or ""),
        assured_by=labels(ITOPS.obligationAssuredBy),
        issues_go_to=labels(ITOPS.issuesGoTo),
        alternatives=labels(ITOPS.alternativeParty),
        passage=str(g.value(ob, ITOPS.quotes) or ""),
        checked_by=tuple(
            sorted(
                str(s)[len(SHAPES_NS) :] if str(s).startswith(SHAPES_NS) else str(s)
                for s in g.objects(ob, ITOPS.checkedBy)
            )
        ),
        unchecked_because=str(g.value(ob, ITOPS.uncheckedBecause) or ""),
        note=str(g.value(ob, SKOS.scopeNote) or ""),
        applies_because=because,
    )


def _sort_key(row: ObligationRow) -> tuple[str, str, str, str]:
    return (row.document, row.section, row.party, row.obligation)


def _applicable(g: Graph, categories: dict[URIRef, str]) -> list[ObligationRow]:
    rows: list[ObligationRow] = []
    for ob in sorted({o for o in g.subjects(RDF.type, ITOPS.Obligation) if isinstance(o, URIRef)}, key=str):
        if any(g.value(s, ITOPS.validUntil) is not None for s in g.objects(ob, ITOPS.derivedFromStatement)):
            continue  # describes the arrangements before 1 April 2013
        reasons = []
        for party in g.objects(ob, ITOPS.obligedParty):
            if isinstance(party, URIRef) and party in categories:
                why = categories[party]
                reasons.append(f"binds {_label(g, party)}" + (f" ({why})" if why else ""))
        if (
            not reasons
        ):  # a duty of another party toward this kind (e.g. the NHS CB's registration authority for contractors)
            sources = [ob, *g.objects(ob, ITOPS.derivedFromStatement)]
            for supported in sorted(
                {p for s in sources for p in g.objects(s, ITOPS.supportsParty) if isinstance(p, URIRef)}, key=str
            ):
                if supported in categories:
                    reasons.append(f"a duty toward {_label(g, supported)}")
        if reasons:
            rows.append(_row(g, ob, "; ".join(reasons)))
    return sorted(rows, key=_sort_key)


def resolve_type(g: Graph, name: str) -> URIRef:
    """The organisation class a register 'type' name (label, acronym or IRI) stands for.

    Raises:
        ParameterError: the name is no organisation type; the message lists the known ones.
    """
    types = organisation_types(g)
    wanted = " ".join(name.casefold().split())
    for t in types:
        if wanted == str(t.iri).casefold() or wanted in {" ".join(n.casefold().split()) for n in t.names}:
            return t.iri
    raise ParameterError("--type", f"unknown organisation type {name!r}", candidates=[t.label for t in types])


def _reference(kg: KnowledgeGraph) -> Graph:
    """Everything loaded, with today's names (ICB, DCB0160 ...) also read as the 2013 ones, as validation does."""
    return with_2013_names(kg.union())


def obligations_for_type(kg: KnowledgeGraph, type_name: str, *, on: date | None = None) -> list[ObligationRow]:
    """Every obligation of the documents that applies to a kind of organisation.

    ``on`` gives the parties' names in force on that date (see :mod:`itops.lineage`).

    Raises:
        ParameterError: unknown type, or a date before 1 April 2013.
    """
    g = _reference(kg)
    cls = resolve_type(g, type_name)
    categories = categories_of_class(g, cls)
    # today's kinds (ICB) as their 2013 ones (CCG)
    for early in (e for later, e in bundled_equivalents().classes if later == cls):
        categories.update(
            {
                c: why or f"a {_label(g, cls)} stands for a {_label(g, early)}"
                for c, why in categories_of_class(g, early).items()
            }
        )
    if ITOPS.LocalITSupplier in _superclasses(g, cls):
        categories.update(_broader(g, _it_provider_categories(g, None)))
    rows = _applicable(g, categories)
    return _in_force(g, rows, on)


# ------------------------------------------------------------------------------------------------
# One organisation of a register
# ------------------------------------------------------------------------------------------------


def _organisation(g: Graph, code: str) -> URIRef:
    wanted = code.strip().upper()
    candidate = ODS[wanted]
    if (candidate, RDF.type, None) in g:
        return candidate
    for org in g.subjects(ITOPS.odsCode, None):
        if str(g.value(org, ITOPS.odsCode)).upper() == wanted and isinstance(org, URIRef):
            return org
    known = sorted(str(c) for c in g.objects(None, ITOPS.odsCode))
    raise ParameterError(
        "--organisation", f"no organisation with ODS code {code!r} in the registers given", candidates=known[:20]
    )


def _classes_of(g: Graph, org: URIRef) -> set[URIRef]:
    """The classes of ``org``, with a local IT supplier's where an organisation names it as its IT supplier
    (whatever type the register gives it: the rules target it so, ``sh:targetObjectsOf itops:hasITSupplier``)."""
    types = set(g.objects(org, RDF.type))
    if (None, ITOPS.hasITSupplier, org) in g:
        types.add(ITOPS.LocalITSupplier)
    out: set[URIRef] = set()
    for cls in types:
        if isinstance(cls, URIRef):
            out |= _superclasses(g, cls)
    return out


def _categories_of_organisation(g: Graph, org: URIRef, seen: frozenset[URIRef] = frozenset()) -> dict[URIRef, str]:
    """The categories ``org`` belongs to, with why. ``seen``: the suppliers whose clients led here (a supplier
    may name itself, or another supplier that names it, as its IT supplier)."""
    categories: dict[URIRef, str] = {}
    for cls in g.objects(org, RDF.type):
        if isinstance(cls, URIRef):
            categories.update(categories_of_class(g, cls))
    for category in g.objects(org, ITOPS.inCategory):
        if isinstance(category, URIRef):
            categories.setdefault(category, "recorded in the register")
    if ITOPS.LocalITSupplier in _classes_of(g, org):
        client_categories: set[URIRef] = set()
        for client in g.subjects(ITOPS.hasITSupplier, org):
            if isinstance(client, URIRef) and client != org and client not in seen:
                client_categories |= set(_categories_of_organisation(g, client, seen | {org}))
        if client_categories:
            categories.update(_broader(g, _it_provider_categories(g, client_categories)))
        else:  # a local IT supplier supplies someone the documents name; the register does not say whom
            for category, why in _broader(g, _it_provider_categories(g, None)).items():
                categories.setdefault(category, why)
    return _broader(g, categories)


def obligations_for_organisation(
    kg: KnowledgeGraph,
    code: str,
    *,
    on: date | None = None,
    inference: Inference = "none",
    report: Report | None = None,
) -> list[OrganisationObligation]:
    """Every obligation that applies to the organisation ``code`` of the loaded registers, with its status.

    ``report`` reuses a validation already run on ``kg``; otherwise the fast engine runs one.

    Raises:
        ParameterError: no such organisation, or a date before 1 April 2013.
    """
    return obligations_for_register(kg, codes=[code], on=on, inference=inference, report=report)[code]


def obligations_for_register(
    kg: KnowledgeGraph,
    *,
    codes: Sequence[str] | None = None,
    on: date | None = None,
    inference: Inference = "none",
    report: Report | None = None,
) -> dict[str, list[OrganisationObligation]]:
    """The obligations, with their status, of each organisation ``codes`` (default: every one) of the loaded registers.

    The documents and registers are read, and validated, once for all of them.

    Raises:
        ParameterError: no such organisation, or a date before 1 April 2013.
    """
    g = _reference(kg)
    shapes = load_shapes()
    if codes is None:
        codes = sorted({str(c) for c in g.objects(None, ITOPS.odsCode)})
    orgs = {code: _organisation(g, code) for code in codes}
    store = store_from_graph(g)  # built once: the rules (unless a report is given) and the conditions run on it
    if report is None:  # the fast engine, tested to give pySHACL's findings
        report = validate_store(store) if inference == "none" else validate_data(g, inference=inference)
    outside = _outside_conditions(store, g, shapes)
    fired: dict[str, dict[str, list[str]]] = {}
    for finding in report.findings:
        fired.setdefault(finding.focus, {}).setdefault(finding.rule, []).append(
            f"[{finding.severity}] {finding.message}"
        )
    out: dict[str, list[OrganisationObligation]] = {}
    reaches: dict[str, set[URIRef]] = {}  # rule -> the categories its target classes may belong to
    for code, org in orgs.items():
        classes = _classes_of(g, org)
        categories = _categories_of_organisation(g, org)
        rows = _in_force(g, _applicable(g, categories), on)
        name = _label(g, org)
        ods_code = str(g.value(org, ITOPS.odsCode) or code)
        items = []
        binding = {row.obligation: _binds(g, row, categories) for row in rows}
        own_rules = {shape for row in rows if binding[row.obligation] for shape in row.checked_by}
        for row in rows:
            checked_by = _checked_on(g, shapes, row, binding[row.obligation], own_rules, reaches)
            status, detail = _status(
                g,
                shapes,
                org,
                classes,
                row,
                checked_by,
                fired.get(str(org), {}),
                binds=binding[row.obligation],
                outside=outside.get(str(org), {}),
            )
            condition = _only_when(g, row, categories)
            if condition and status == "met":  # passing a rule whose condition the register does not show
                status, detail = "not recorded", f"the register names no client of it: it is bound {condition}"
            items.append(OrganisationObligation(ods_code, name, status, detail, row))
        out[code] = items
    return out


def _binds(g: Graph, row: ObligationRow, categories: dict[URIRef, str]) -> bool:
    """True when ``row`` binds an organisation of ``categories`` (not only a duty of another party toward it)."""
    return any(p in categories for p in g.objects(URIRef(row.obligation), ITOPS.obligedParty))


def _checked_on(
    g: Graph, shapes: Graph, row: ObligationRow, binds: bool, own_rules: set[str], reaches: dict[str, set[URIRef]]
) -> tuple[str, ...]:
    """The rules of ``row`` whose findings on this organisation's row speak of it.

    An obligation that binds the organisation: all of them. A duty of another party toward it: not a
    rule that checks that party's own row and one of this organisation's own duties, for a finding
    on this row is then about its own duty. "Completion of supplier IGT" (CP 2012 §06) is checked by
    the IGT rule on the supplier; the same rule firing on a contractor is about the contractor's own
    "Completion of IGT", not its supplier's.
    """
    if binds:
        return row.checked_by
    bound = {p for p in g.objects(URIRef(row.obligation), ITOPS.obligedParty) if isinstance(p, URIRef)}

    def on_bound_party(shape: str) -> bool:
        if shape not in reaches:  # the same few rules for every organisation: worked out once
            targets = _shape_targets(shapes, URIRef(SHAPES_NS + shape))
            reaches[shape] = {c for t in targets for c in _target_categories(g, t)}
        return bool(bound & reaches[shape])

    return tuple(s for s in row.checked_by if not (s in own_rules and on_bound_party(s)))


def _target_categories(g: Graph, cls: URIRef) -> dict[URIRef, str]:
    """The categories an instance of a rule's target class may belong to (an IT supplier's, whoever its clients)."""
    found = categories_of_class(g, cls)
    if ITOPS.LocalITSupplier in _superclasses(g, cls):
        found.update(_broader(g, _it_provider_categories(g, None)))
    return found


def _only_when(g: Graph, row: ObligationRow, categories: dict[URIRef, str]) -> str | None:
    """The condition under which ``row`` binds an organisation of ``categories``, when it binds it only so
    (a local IT supplier whose clients the register does not name: "when it is the IT supplier of ...")."""
    bound = [p for p in g.objects(URIRef(row.obligation), ITOPS.obligedParty) if p in categories]
    reasons = [categories[p] for p in bound if isinstance(p, URIRef)]
    if reasons and all(r.startswith(_WHEN_SUPPLIER) for r in reasons):
        return "; ".join(sorted({r.split(";")[0] for r in reasons}))
    return None


def _status(
    g: Graph,
    shapes: Graph,
    org: URIRef,
    classes: set[URIRef],
    row: ObligationRow,
    checked_by: tuple[str, ...],
    fired: dict[str, list[str]],
    *,
    binds: bool = True,
    outside: dict[str, list[str]] | None = None,
) -> tuple[Status, str]:
    if not row.checked_by:
        return "not recorded", f"no register can show it: {row.unchecked_because}"
    if not checked_by:
        return "not recorded", (
            f"a duty of {row.party}: its rules ({', '.join(row.checked_by)}) read this organisation's own "
            "duties on its row, not that party's"
        )
    messages = [m for shape in checked_by for m in fired.get(SHAPES_NS + shape, [])]
    if messages:
        return "broken", "; ".join(messages)
    running = [s for s in checked_by if _shape_targets(shapes, URIRef(SHAPES_NS + s)) & classes]
    if not running and not binds:  # a duty of another party toward this organisation, judged on that party's row
        return "not recorded", (
            f"a duty of {row.party}: its rules ({', '.join(checked_by)}) check that party on its own row, "
            "not this organisation"
        )
    if not running:
        return "not recorded", (
            f"its rules ({', '.join(checked_by)}) check other kinds of organisation; "
            "nothing in the register shows it for this one"
        )
    needs = [p for p in g.objects(URIRef(row.obligation), ITOPS.needsProperty) if isinstance(p, URIRef)]
    if needs and not any((org, p, None) in g for p in needs):
        names = ", ".join(sorted(str(p).split("#")[-1] for p in needs))
        return "not recorded", f"the register holds no value the rule reads ({names})"
    outside = outside or {}
    if all(s in outside for s in running):
        where = " and ".join(sorted({label for s in running for label in outside[s]}))
        return "does not arise", (
            f"it arises only where the organisation {where}, and the register shows it does not "
            f"(read by {', '.join(running)})"
        )
    return "met", f"passes {', '.join(running)}"


@dataclass(frozen=True)
class Condition:
    """A condition for a rule's duty to arise: a shape on one property, and its label ("connects to N3")."""

    shape: Node
    label: str
    path: URIRef


def arising_conditions(shapes: Graph) -> dict[URIRef, list[Condition]]:
    """Each rule's conditions for its duty to arise.

    A condition is a labelled shape ``X`` of a member ``[ sh:not X ]`` of the rule's ``sh:or``: the
    rule passes wherever ``X`` does not hold, because the duty does not arise there.

    Raises:
        TypeError: a labelled condition does not read one property (its ``sh:path`` is not an IRI).
    """
    found: dict[URIRef, list[Condition]] = {}
    for rule in shapes.subjects(RDF.type, SH.NodeShape):
        for members in shapes.objects(rule, SH["or"]):
            for member in Collection(shapes, members):
                condition = shapes.value(member, SH["not"])
                label = shapes.value(condition, RDFS.label) if condition is not None else None
                if not isinstance(rule, URIRef) or condition is None or label is None:
                    continue
                path = shapes.value(condition, SH.path)
                if not isinstance(path, URIRef):
                    raise TypeError(f"{rule}: the condition {str(label)!r} must read one property (an sh:path IRI)")
                found.setdefault(rule, []).append(Condition(condition, str(label), path))
    return found


def _outside_conditions(store: ox.Store, g: Graph, shapes: Graph) -> dict[str, dict[str, list[str]]]:
    """Organisation -> rule -> the conditions of the rule's duty that the register shows it outside.

    Each condition runs as a shape of its own on the rule's targets, over ``store`` (``g`` in
    Oxigraph), with the compiled engine, as the rules do. An organisation is outside a condition
    when it fails and the register holds a value for the property the condition reads; with no
    value the register shows nothing.
    """
    checks = without_targets(shapes)  # only the conditions run
    owner: dict[Node, tuple[str, Condition]] = {}
    for rule, conditions in arising_conditions(shapes).items():
        for i, condition in enumerate(conditions):
            shape = URIRef(f"{rule}--arises-{i}")
            checks.add((shape, RDF.type, SH.NodeShape))
            for predicate in TARGETS:
                for target in shapes.objects(rule, predicate):
                    checks.add((shape, predicate, target))
            checks.add((shape, SH.property, condition.shape))
            owner[condition.shape] = (str(rule).removeprefix(SHAPES_NS), condition)
    outside: dict[str, dict[str, list[str]]] = {}
    for result in run_engine(Loaded(store, checks)).results:
        if result.shape in owner:
            name, condition = owner[result.shape]
            if (result.focus, condition.path, None) in g:
                outside.setdefault(str(result.focus), {}).setdefault(name, []).append(condition.label)
    return outside


# ------------------------------------------------------------------------------------------------
# Names in force on a date
# ------------------------------------------------------------------------------------------------


def _in_force(g: Graph, rows: list[ObligationRow], on: date | None) -> list[ObligationRow]:
    if on is None:
        return rows
    check_date(on)
    index: dict[str, str] = {}
    for party in set(g.subjects(RDF.type, None)):
        if isinstance(party, URIRef) and str(party).startswith(str(ID)):
            label = _label(g, party)
            current = resolve(g, party, on).current
            if current and current != (party,):
                index[label] = f"{label} (on {on.isoformat()}: {', '.join(_label(g, c) for c in current)})"

    def rename(text: str) -> str:
        return "; ".join(index.get(part, part) for part in text.split("; ")) if text else text

    return [
        ObligationRow(
            **{
                **asdict(r),
                "party": rename(r.party),
                "assured_by": rename(r.assured_by),
                "issues_go_to": rename(r.issues_go_to),
                "alternatives": rename(r.alternatives),
            }
        )
        for r in rows
    ]


# ------------------------------------------------------------------------------------------------
# Renderers
# ------------------------------------------------------------------------------------------------

ROW_FIELDS = tuple(f.name for f in fields(ObligationRow))
ORG_FIELDS = ("ods_code", "organisation", "status", "detail")


__all__ = [
    "ObligationRow",
    "OrganisationObligation",
    "STATUSES",
    "categories_of_class",
    "obligations_for_organisation",
    "obligations_for_register",
    "obligations_for_type",
    "resolve_type",
]
