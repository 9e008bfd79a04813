"""What the documentation site shows, gathered from the graph into plain data for the templates.

Nothing here knows a domain fact: every label, passage, row and relation is read from the
ontology and data files (``itops.load()``); this module only decides which page shows what and
under which heading, and gives every thing one page address (:class:`Pages`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from itops.lineage import changes as all_changes
from itops.lineage import resolve
from itops.namespace import ID, ITOPS, ORG

_DC_TITLE = URIRef("http://purl.org/dc/terms/title")
_DC_DESCRIPTION = URIRef("http://purl.org/dc/terms/description")
_ITOPS_NS = "https://w3id.org/itops#"
_ID_NS = str(ID)
#: A date after every change in the lineage data: "today's name" is the name after all recorded changes.
_LATEST = date(9999, 12, 31)

#: Properties a statement page shows apart (passage, provenance, notes), not in the list of relations.
_APART = {
    ITOPS.quotes,
    ITOPS.fromDocument,
    ITOPS.fromSection,
    RDF.type,
    SKOS.editorialNote,
    SKOS.scopeNote,
    ITOPS.rowNumber,
    ITOPS.statementNumber,
}
#: Reading notes: shown under a passage wherever it appears.
NOTE_PROPERTIES = (SKOS.editorialNote, SKOS.scopeNote)


def slug(iri: Node | str) -> str:
    """A file-name-safe local name of an IRI (``https://w3id.org/itops/id/nhs-cb`` -> ``nhs-cb``)."""
    local = re.split(r"[/#]", str(iri).rstrip("/#"))[-1]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-") or "x"


def text(graph: Graph, node: Node, *props: URIRef) -> str:
    """The first value of the first of ``props`` that ``node`` has, as a string ("" if none).

    English or untagged literals are preferred, then the lexically first, so output is stable.
    """
    for prop in props:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
        if values:
            values.sort(key=lambda v: (v.language not in (None, "en"), str(v)))
            return str(values[0])
    return ""


def texts(graph: Graph, node: Node, prop: URIRef) -> list[str]:
    """Every literal value of ``prop`` on ``node``, sorted and without duplicates."""
    return sorted({str(v) for v in graph.objects(node, prop) if isinstance(v, Literal)})


def uris(graph: Graph, node: Node, prop: URIRef) -> list[URIRef]:
    """Every IRI value of ``prop`` on ``node``, sorted."""
    return sorted({v for v in graph.objects(node, prop) if isinstance(v, URIRef)}, key=str)


def is_itops_term(iri: Node) -> bool:
    """True for a term of the itops vocabulary (``https://w3id.org/itops#...``)."""
    return isinstance(iri, URIRef) and str(iri).startswith(_ITOPS_NS)


@dataclass(frozen=True)
class Link:
    """A name and, when the site has a page for it, that page's path from the site root."""

    label: str
    href: str | None = None
    title: str = ""


@dataclass
class Pages:
    """Which page the site gives each thing: a path from the site root, or none."""

    graph: Graph
    paths: dict[URIRef, str] = field(default_factory=dict)
    labels: dict[URIRef, str] = field(default_factory=dict)

    def label(self, node: Node) -> str:
        """The name to show for ``node``: its rdfs:label, else prefLabel, else its local name."""
        if isinstance(node, Literal):
            return str(node)
        if isinstance(node, URIRef):
            found = self.labels.get(node)
            if found is None:
                found = text(self.graph, node, RDFS.label, SKOS.prefLabel, _DC_TITLE) or slug(node)
                self.labels[node] = found
            return found
        return ""

    def link(self, node: Node) -> Link:
        """A link to ``node``'s page (or just its name when it has none)."""
        if isinstance(node, URIRef):
            title = text(self.graph, node, SKOS.prefLabel)
            return Link(self.label(node), self.paths.get(node), title if title != self.label(node) else "")
        return Link(self.label(node))

    def links(self, nodes: Iterable[Node]) -> list[Link]:
        """Links to ``nodes``, sorted by name."""
        return sorted((self.link(n) for n in nodes), key=lambda link: (link.label.casefold(), link.href or ""))


# ------------------------------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class Term:
    """A class or property of the ontology, as its reference page shows it."""

    iri: URIRef
    kind: str  # "class", "object property", "datatype property", "annotation property"
    label: str
    definition: str
    comment: str
    parents: list[Link]
    children: list[Link]
    domain: list[Link]
    range: list[Link]
    characteristics: list[str]
    inverse: list[Link]
    used: int
    where_used: list[tuple[Link, int]]  # classes of the subjects using it (properties) / documents (classes)
    examples: list[tuple[Link, Link, Link]]
    instances: list[Link]
    deprecated: bool
    example_statement: Statement | None  # the statement of the example, shown with its passage


_KINDS = (
    (OWL.Class, "class"),
    (OWL.ObjectProperty, "object property"),
    (OWL.DatatypeProperty, "datatype property"),
    (OWL.AnnotationProperty, "annotation property"),
)


def vocabulary(graph: Graph, pages: Pages, stmts: dict[URIRef, Statement] | None = None) -> list[Term]:
    """Every class and property the itops ontology declares, with where and how the data uses it."""
    terms: list[Term] = []
    direct_types: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct_types[o].add(s)
    for kind_class, kind in _KINDS:
        for iri in sorted({t for t in graph.subjects(RDF.type, kind_class) if is_itops_term(t)}, key=str):
            if not isinstance(iri, URIRef):
                continue  # itops terms are IRIs; a blank node is no term of the ontology
            if kind == "class":
                instances = sorted(_instances(graph, iri, direct_types), key=lambda n: pages.label(n).casefold())
                used = len(instances)
                by_doc: dict[URIRef, int] = defaultdict(int)
                for i in instances:
                    for d in uris(graph, i, ITOPS.fromDocument):
                        by_doc[d] += 1
                where = [(pages.link(d), n) for d, n in sorted(by_doc.items(), key=lambda kv: str(kv[0]))]
                chosen = [i for i in instances if stmts and i in stmts and stmts[i].passage] or instances
                examples = [(pages.link(i), pages.link(RDF.type), pages.link(iri)) for i in chosen[:1]]
                example_iri: URIRef | None = chosen[0] if chosen else None
                parents = pages.links(uris(graph, iri, RDFS.subClassOf))
                children = pages.links(c for c in graph.subjects(RDFS.subClassOf, iri) if isinstance(c, URIRef))
                instance_links = [pages.link(i) for i in instances]
            else:
                uses = sorted(
                    ((s, o) for s, o in graph.subject_objects(iri) if isinstance(s, URIRef)),
                    key=lambda so: (str(so[0]), str(so[1])),
                )
                used = len(uses)
                by_class: dict[URIRef, int] = defaultdict(int)
                for s, _ in uses:
                    for c in uris(graph, s, RDF.type):
                        if is_itops_term(c) or c == ORG.Organization:
                            by_class[c] += 1
                where = [(pages.link(c), n) for c, n in sorted(by_class.items(), key=lambda kv: str(kv[0]))]
                chosen_uses = [(s, o) for s, o in uses if stmts and s in stmts and stmts[s].passage] or uses
                examples = [(pages.link(s), pages.link(iri), pages.link(o)) for s, o in chosen_uses[:1]]
                example_iri = chosen_uses[0][0] if chosen_uses else None
                parents = pages.links(uris(graph, iri, RDFS.subPropertyOf))
                children = pages.links(c for c in graph.subjects(RDFS.subPropertyOf, iri) if isinstance(c, URIRef))
                instance_links = []
            characteristics = sorted(
                pages.label(t) for t in uris(graph, iri, RDF.type) if t not in (kind_class, OWL.NamedIndividual)
            )
            terms.append(
                Term(
                    iri=iri,
                    kind=kind,
                    label=pages.label(iri),
                    definition=text(graph, iri, SKOS.definition, _DC_DESCRIPTION),
                    comment=text(graph, iri, RDFS.comment),
                    parents=parents,
                    children=children,
                    domain=pages.links(uris(graph, iri, RDFS.domain)),
                    range=pages.links(uris(graph, iri, RDFS.range)),
                    characteristics=characteristics,
                    inverse=pages.links(
                        set(uris(graph, iri, OWL.inverseOf))
                        | {s for s in graph.subjects(OWL.inverseOf, iri) if isinstance(s, URIRef)}
                    ),
                    used=used,
                    where_used=where,
                    examples=examples,
                    instances=instance_links,
                    deprecated=(iri, OWL.deprecated, Literal(True)) in graph,
                    example_statement=stmts.get(example_iri) if stmts and example_iri is not None else None,
                )
            )
    return terms


def _instances(graph: Graph, cls: URIRef, direct: dict[URIRef, set[URIRef]]) -> set[URIRef]:
    out: set[URIRef] = set()
    todo, seen = [cls], set()
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.add(c)
        out |= direct.get(c, set())
        todo.extend(s for s in graph.subjects(RDFS.subClassOf, c) if isinstance(s, URIRef))
    return out


# ------------------------------------------------------------------------------------------ statements


@dataclass(frozen=True)
class Relation:
    """One property of a statement, in words: ``commissioned from: HSCIC``."""

    property: Link
    values: tuple[Link, ...]


@dataclass(frozen=True)
class Statement:
    """A statement of a document (a table row, a matrix cell, a sentence), with its passage."""

    iri: URIRef
    id: str
    kind: Link
    document: URIRef | None
    section: URIRef | None
    number: str  # row number or statement number as printed ("" when none)
    where: str  # the section's name
    label: str  # its rdfs:label, if it has one
    passage: str
    notes: list[str]
    relations: list[Relation]

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """Section, then printed number, then identifier."""
        return (str(self.section), int(self.number) if self.number.isdigit() else 0, self.id)


def statements(graph: Graph, pages: Pages) -> dict[URIRef, Statement]:
    """Every statement of the documents (everything with ``itops:fromDocument``), by IRI."""
    out: dict[URIRef, Statement] = {}
    for s in sorted({s for s in graph.subjects(ITOPS.fromDocument, None) if isinstance(s, URIRef)}, key=str):
        kinds = [t for t in uris(graph, s, RDF.type) if is_itops_term(t)]
        relations = []
        for p in sorted({p for p in graph.predicates(s, None) if isinstance(p, URIRef) and p not in _APART}, key=str):
            values = sorted(graph.objects(s, p), key=str)
            relations.append(Relation(pages.link(p), tuple(pages.link(v) for v in values)))
        number = text(graph, s, ITOPS.rowNumber, ITOPS.statementNumber, ITOPS.itemNumber)
        out[s] = Statement(
            iri=s,
            id=slug(s),
            kind=pages.link(kinds[0]) if kinds else Link("statement"),
            document=_uri(graph.value(s, ITOPS.fromDocument)),
            section=_uri(graph.value(s, ITOPS.fromSection)),
            number=number,
            passage=text(graph, s, ITOPS.quotes),
            where=pages.label(graph.value(s, ITOPS.fromSection) or s),
            label=text(graph, s, RDFS.label),
            notes=[n for p in NOTE_PROPERTIES for n in texts(graph, s, p)],
            relations=relations,
        )
    return out


def _uri(node: Node | None) -> URIRef | None:
    return node if isinstance(node, URIRef) else None


# ------------------------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class Section:
    """A section of a document and the statements it holds, in printed order."""

    iri: URIRef
    id: str
    number: str
    title: str
    description: str
    notes: list[str]
    parent: URIRef | None
    statements: list[Statement]
    rest: list[Statement]  # statements shown in the section's own list (not table rows or matrix cells)
    cells: list[list[str]]  # when every one of ``rest`` is a numbered row of cells joined by " | ": the cells
    width: int  # the most cells in a row
    matrix: int  # how many tasks-and-functions statements the section holds


@dataclass(frozen=True)
class TableRow:
    """A row of a commissioning or accountability table: its printed cells and its statement."""

    statement: Statement
    cells: list[list[Link]]  # one list of links (or plain text) per printed column


@dataclass(frozen=True)
class Table:
    """A table as printed: its caption, column headings and rows."""

    caption: str
    headings: list[str]
    rows: list[TableRow]


@dataclass(frozen=True)
class Cell:
    """One cell of a tasks-and-functions matrix: a party's numbered statements for a function."""

    statements: list[Statement]
    none: bool  # every statement says "no direct responsibility"


@dataclass(frozen=True)
class RaciRow:
    """Who commissions, is accountable for, delivers and has no direct part in a function."""

    function: Link
    commissions: list[tuple[Link, list[Statement]]]
    accountable: list[tuple[Link, list[Statement]]]
    delivers: list[Link]
    no_direct: list[Link]


@dataclass(frozen=True)
class Grid:
    """A document's responsibility grid: functions x parties."""

    functions: list[Link]
    parties: list[Link]
    cells: dict[tuple[str, str], Cell]  # (function label, party label) -> cell
    raci: list[RaciRow]


@dataclass(frozen=True)
class Document:
    """A document with its sections, tables and grid."""

    iri: URIRef
    key: str
    title: str
    published: str
    effective: str
    publisher: Link
    sections: list[Section]
    commissioning: Table
    accountability: Table
    grid: Grid


#: Statements a document page shows in its printed tables rather than in its sections' lists.
_TABLED = (ITOPS.CommissioningArrangement, ITOPS.AccountabilityArrangement, ITOPS.MatrixResponsibility)


def _labels_of(pages: Pages, graph: Graph, s: URIRef, prop: URIRef) -> list[Link]:
    return pages.links(uris(graph, s, prop))


def documents(graph: Graph, pages: Pages, stmts: dict[URIRef, Statement]) -> list[Document]:
    """Both documents, their sections and tables as printed, and their responsibility grids."""
    out = []
    for doc in sorted((d for d in graph.subjects(RDF.type, ITOPS.Document) if isinstance(d, URIRef)), key=str):
        key = text(graph, doc, SKOS.notation) or slug(doc)
        mine = [st for st in stmts.values() if st.document == doc]
        by_section: dict[URIRef | None, list[Statement]] = defaultdict(list)
        for st in mine:
            by_section[st.section].append(st)
        sections = []
        for sec in sorted(
            (s for s in graph.subjects(ITOPS.inDocument, doc) if isinstance(s, URIRef)),
            key=lambda s: (text(graph, s, ITOPS.sectionNumber), graph.value(s, ITOPS.subsectionOf) is not None, str(s)),
        ):
            in_section = sorted(by_section.get(sec, []), key=lambda st: st.sort_key)
            rest = [st for st in in_section if not any((st.iri, RDF.type, c) in graph for c in _TABLED)]
            tabular = bool(rest) and all(st.number and " | " in st.passage for st in rest)
            cells = [st.passage.split(" | ") for st in rest] if tabular else []
            sections.append(
                Section(
                    iri=sec,
                    id=slug(sec),
                    number=text(graph, sec, ITOPS.sectionNumber),
                    title=text(graph, sec, ITOPS.title, _DC_TITLE, RDFS.label),
                    description=text(graph, sec, ITOPS.description, _DC_DESCRIPTION),
                    notes=[n for p in NOTE_PROPERTIES for n in texts(graph, sec, p)],
                    parent=_uri(graph.value(sec, ITOPS.subsectionOf)),
                    statements=in_section,
                    rest=rest,
                    cells=cells,
                    width=max((len(c) for c in cells), default=0),
                    matrix=sum(1 for st in in_section if (st.iri, RDF.type, ITOPS.MatrixResponsibility) in graph),
                )
            )

        def rows_of(cls: URIRef, mine: list[Statement] = mine) -> list[Statement]:
            return sorted(
                (st for st in mine if (st.iri, RDF.type, cls) in graph),
                key=lambda st: (int(st.number) if st.number.isdigit() else 0, st.id),
            )

        def plain(value: str) -> list[Link]:
            return [Link(value)] if value else []

        commissioning = Table(
            "Commissioning responsibilities",
            ["Row", "Commissioner", "Through", "Service being commissioned", "Commissioned from"],
            [
                TableRow(
                    st,
                    [
                        [Link(st.number)],
                        _labels_of(pages, graph, st.iri, ITOPS.hasCommissioner)
                        + plain(text(graph, st.iri, ITOPS.partyRole)),
                        _labels_of(pages, graph, st.iri, ITOPS.actsThrough),
                        plain(text(graph, st.iri, ITOPS.serviceDescription)),
                        _labels_of(pages, graph, st.iri, ITOPS.commissionedFrom),
                    ],
                )
                for st in rows_of(ITOPS.CommissioningArrangement)
            ],
        )
        accountability = Table(
            "Accountability – who holds who to account",
            [
                "Row",
                "Organisational body",
                "Accountable for management",
                "Service accountable for",
                "Accountable for delivery",
            ],
            [
                TableRow(
                    st,
                    [
                        [Link(st.number)],
                        _labels_of(pages, graph, st.iri, ITOPS.hasAccountableBody)
                        + _labels_of(pages, graph, st.iri, ITOPS.actsThrough),
                        _labels_of(pages, graph, st.iri, ITOPS.accountableForManagement),
                        plain(text(graph, st.iri, ITOPS.serviceDescription)),
                        _labels_of(pages, graph, st.iri, ITOPS.accountableForDelivery),
                    ],
                )
                for st in rows_of(ITOPS.AccountabilityArrangement)
            ],
        )
        out.append(
            Document(
                iri=doc,
                key=key,
                title=text(graph, doc, ITOPS.title, _DC_TITLE, RDFS.label),
                published=text(
                    graph,
                    doc,
                    URIRef("http://purl.org/dc/terms/date"),
                    ITOPS.publicationDate,
                    URIRef("http://purl.org/dc/terms/issued"),
                ),
                effective=text(graph, doc, ITOPS.effectiveFrom)[:10],
                publisher=pages.link(
                    graph.value(doc, ITOPS.publishedBy)
                    or graph.value(doc, URIRef("http://purl.org/dc/terms/publisher"))
                    or Literal("")
                ),
                sections=sections,
                commissioning=commissioning,
                accountability=accountability,
                grid=_grid(
                    graph,
                    pages,
                    mine,
                    rows_of(ITOPS.CommissioningArrangement),
                    rows_of(ITOPS.AccountabilityArrangement),
                ),
            )
        )
    return out


def _grid(
    graph: Graph, pages: Pages, mine: list[Statement], commissioning: list[Statement], accountability: list[Statement]
) -> Grid:
    cells_raw: dict[tuple[URIRef, URIRef], list[Statement]] = defaultdict(list)
    for st in mine:
        if (st.iri, RDF.type, ITOPS.MatrixResponsibility) not in graph:
            continue
        for f in uris(graph, st.iri, ITOPS.forFunction):
            for p in uris(graph, st.iri, ITOPS.heldBy):
                cells_raw[(f, p)].append(st)
    functions = sorted({f for f, _ in cells_raw}, key=lambda f: pages.label(f).casefold())
    parties = sorted({p for _, p in cells_raw}, key=lambda p: pages.label(p).casefold())
    no_direct = ITOPS.noDirectResponsibility
    cells: dict[tuple[str, str], Cell] = {}
    for (f, p), sts in cells_raw.items():
        sts.sort(key=lambda st: st.sort_key)
        cells[(pages.label(f), pages.label(p))] = Cell(
            sts, all((st.iri, no_direct, Literal(True)) in graph for st in sts)
        )

    def services_below(nodes: Iterable[URIRef]) -> set[URIRef]:
        out: set[URIRef] = set()
        todo = list(nodes)
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(s for s in graph.subjects(ITOPS.partOfService, n) if isinstance(s, URIRef))
                todo.extend(o for o in graph.objects(n, ITOPS.partOfService) if isinstance(o, URIRef))
        return out

    raci = []
    for f in functions:
        cell_statements = [st for (ff, _), sts in cells_raw.items() if ff == f for st in sts]
        named = {
            o
            for st in cell_statements
            for prop in (ITOPS.concernsService, ITOPS.concernsStandard)
            for o in uris(graph, st.iri, prop)
        }
        named = services_below(named)

        def by_party(
            rows: list[Statement], concern: tuple[URIRef, ...], who: URIRef, named: set[URIRef] = named
        ) -> list[tuple[Link, list[Statement]]]:
            found: dict[URIRef, list[Statement]] = defaultdict(list)
            for st in rows:
                if {o for prop in concern for o in uris(graph, st.iri, prop)} & named:
                    for party in uris(graph, st.iri, who):
                        found[party].append(st)
            return [
                (pages.link(p), sts) for p, sts in sorted(found.items(), key=lambda kv: pages.label(kv[0]).casefold())
            ]

        raci.append(
            RaciRow(
                function=pages.link(f),
                commissions=by_party(
                    commissioning, (ITOPS.commissionsService, ITOPS.concernsStandard), ITOPS.hasCommissioner
                ),
                accountable=by_party(
                    accountability, (ITOPS.concernsService, ITOPS.concernsStandard), ITOPS.hasAccountableBody
                ),
                delivers=pages.links(
                    p
                    for (ff, p), c in cells_raw.items()
                    if ff == f and not all((st.iri, no_direct, Literal(True)) in graph for st in c)
                ),
                no_direct=pages.links(
                    p
                    for (ff, p), c in cells_raw.items()
                    if ff == f and all((st.iri, no_direct, Literal(True)) in graph for st in c)
                ),
            )
        )
    return Grid([pages.link(f) for f in functions], [pages.link(p) for p in parties], cells, raci)


# ------------------------------------------------------------------------------------------ parties

#: The headings of a party page: (heading, statement class, property linking the statement to the party,
#: properties naming the other side). A statement that names the party otherwise goes under "Also named in".
PARTY_SECTIONS: tuple[tuple[str, URIRef, URIRef, tuple[URIRef, ...]], ...] = (
    (
        "Commissions",
        ITOPS.CommissioningRelationship,
        ITOPS.hasCommissioner,
        (ITOPS.commissionedFrom, ITOPS.actsThrough),
    ),
    ("Is commissioned by", ITOPS.CommissioningRelationship, ITOPS.commissionedFrom, (ITOPS.hasCommissioner,)),
    ("Provides", ITOPS.ProvisionStatement, ITOPS.hasProvider, ()),
    (
        "Holds to account",
        ITOPS.AccountabilityArrangement,
        ITOPS.hasAccountableBody,
        (ITOPS.accountableForDelivery, ITOPS.accountableForManagement),
    ),
    (
        "Is held to account for delivery by",
        ITOPS.AccountabilityArrangement,
        ITOPS.accountableForDelivery,
        (ITOPS.hasAccountableBody,),
    ),
    (
        "Is held to account for management by",
        ITOPS.AccountabilityArrangement,
        ITOPS.accountableForManagement,
        (ITOPS.hasAccountableBody,),
    ),
    ("Tasks and functions", ITOPS.MatrixResponsibility, ITOPS.heldBy, (ITOPS.forFunction,)),
    ("Standards it must meet", ITOPS.StandardRequirement, ITOPS.appliesTo, (ITOPS.requiresStandard,)),
    ("Escalates to", ITOPS.EscalationRoute, ITOPS.escalatedBy, (ITOPS.escalatesTo,)),
    ("Receives escalations from", ITOPS.EscalationRoute, ITOPS.escalatesTo, (ITOPS.escalatedBy,)),
    ("Seeks approval from", ITOPS.ApprovalRoute, ITOPS.approvalSoughtBy, (ITOPS.approvalSoughtFrom,)),
    ("Gives approval to", ITOPS.ApprovalRoute, ITOPS.approvalSoughtFrom, (ITOPS.approvalSoughtBy,)),
    ("Other responsibilities", ITOPS.Responsibility, ITOPS.heldBy, (ITOPS.forFunction,)),
    ("Obligations of others it assures", ITOPS.Obligation, ITOPS.obligationAssuredBy, (ITOPS.obligedParty,)),
    ("Obligations of others whose issues go to it", ITOPS.Obligation, ITOPS.issuesGoTo, (ITOPS.obligedParty,)),
)


@dataclass(frozen=True)
class Mention:
    """A statement that names a thing, and the other side of the relation."""

    statement: Statement
    others: list[Link]


@dataclass(frozen=True)
class Group:
    """A heading of an entity page and the statements under it."""

    heading: str
    id: str
    mentions: list[Mention]


@dataclass(frozen=True)
class ObligationView:
    """An obligation the data records: what, how strongly (as printed), on what condition, who assures it,
    where issues go, and the rules that check it or why a register cannot show it."""

    statement: Statement
    action: str
    modality: str
    severity: str
    condition: str
    standards: list[Link]
    assured_by: list[Link]
    issues_go_to: list[Link]
    checked_by: list[Link]
    unchecked_because: str


def obligation_view(graph: Graph, pages: Pages, st: Statement) -> ObligationView:
    """The parts of an obligation a page shows."""
    return ObligationView(
        statement=st,
        action=text(graph, st.iri, ITOPS.obligedAction, RDFS.label),
        modality=text(graph, st.iri, ITOPS.modality),
        severity=text(graph, st.iri, ITOPS.severity),
        condition=text(graph, st.iri, ITOPS.condition),
        standards=pages.links(uris(graph, st.iri, ITOPS.obligedStandard)),
        assured_by=pages.links(uris(graph, st.iri, ITOPS.obligationAssuredBy)),
        issues_go_to=pages.links(uris(graph, st.iri, ITOPS.issuesGoTo)),
        checked_by=pages.links(uris(graph, st.iri, ITOPS.checkedBy)),
        unchecked_because=text(graph, st.iri, ITOPS.uncheckedBecause),
    )


@dataclass(frozen=True)
class NameChange:
    """A dated change of what a 2013 name stands for."""

    day: str
    kind: str
    to: list[Link]
    note: str


@dataclass(frozen=True)
class Entity:
    """A named individual (a party, category, service, standard, function, cohort...) and what the data says of it."""

    iri: URIRef
    label: str
    pref_label: str
    alt_labels: list[str]
    kinds: list[Link]
    definition: str
    notes: list[str]
    facts: list[Relation]  # properties of the thing itself (comprises, member class, units...)
    referenced_by: list[Relation]  # non-statement things pointing at it (is comprised by, unit of...)
    groups: list[Group]
    obligations: list[ObligationView]  # the obligations that bind it, as the text names it
    inherited: list[tuple[Link, list[ObligationView]]]  # obligations of the broader categories that comprise it
    changes: list[NameChange]
    today: list[Link]
    timeline: str | None
    is_party: bool
    href: str


def entity_iris(graph: Graph, statement_iris: set[URIRef]) -> list[URIRef]:
    """The named individuals that get a page of their own: everything of ``id:`` but statements, documents,
    sections and the change events and evidence of the lineage (which the timelines show)."""
    skip_types = {ITOPS.Document, ITOPS.Section}
    out = []
    for thing in sorted(
        {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(_ID_NS)}
        - statement_iris,
        key=str,
    ):
        types = set(uris(graph, thing, RDF.type))
        if not types & skip_types and not any(_is_change(graph, t) for t in types):
            out.append(thing)
    return out


def entities(
    graph: Graph, pages: Pages, stmts: dict[URIRef, Statement], parties: set[URIRef], timelines: dict[URIRef, str]
) -> list[Entity]:
    """Every individual of ``id:`` that is not a statement, section or document, with what names it."""
    change_list = all_changes(graph)
    structural_statement_props = {ITOPS.fromDocument, ITOPS.fromSection}
    mentions: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)  # thing -> (statement, property)
    for st in stmts.values():
        for p, o in graph.predicate_objects(st.iri):
            if (
                isinstance(o, URIRef)
                and isinstance(p, URIRef)
                and p not in structural_statement_props
                and p != RDF.type
            ):
                mentions[o].append((st.iri, p))
    bound: dict[URIRef, list[URIRef]] = defaultdict(list)  # party -> the obligations that bind it
    for st in sorted(stmts.values(), key=lambda st: (str(st.document), st.sort_key)):
        if (st.iri, RDF.type, ITOPS.Obligation) in graph:
            for party in uris(graph, st.iri, ITOPS.obligedParty):
                bound[party].append(st.iri)
    out = []
    for thing in entity_iris(graph, set(stmts)):
        types = set(uris(graph, thing, RDF.type))
        used: set[tuple[URIRef, URIRef]] = set()
        groups = []
        obligations = [obligation_view(graph, pages, stmts[o]) for o in bound.get(thing, [])]
        used |= {(o, ITOPS.obligedParty) for o in bound.get(thing, [])}
        inherited = []
        for broader in _broader(graph, thing):
            if bound.get(broader):
                inherited.append(
                    (pages.link(broader), [obligation_view(graph, pages, stmts[o]) for o in bound[broader]])
                )
        for heading, cls, prop, other_props in PARTY_SECTIONS:
            found = []
            for st_iri, p in sorted(mentions.get(thing, []), key=lambda sp: str(sp[0])):
                if p == prop and (st_iri, p) not in used and _is_a(graph, st_iri, cls):
                    used.add((st_iri, p))
                    found.append(
                        Mention(
                            stmts[st_iri],
                            pages.links(o for op in other_props for o in uris(graph, st_iri, op) if o != thing),
                        )
                    )
            if found:
                groups.append(Group(heading, slug(heading.lower().replace(" ", "-")), _ordered(found)))
        rest: dict[tuple[str, str], list[Mention]] = defaultdict(list)
        for st_iri, p in sorted(mentions.get(thing, []), key=lambda sp: (str(sp[0]), str(sp[1]))):
            if (st_iri, p) in used:
                continue
            st = stmts[st_iri]
            rest[(st.kind.label, pages.label(p))].append(Mention(st, []))
        for (kind, prop_label), found in sorted(rest.items()):
            groups.append(
                Group(f"{kind} — {prop_label}", slug(f"{kind}-{prop_label}".lower().replace(" ", "-")), _ordered(found))
            )
        facts = [
            Relation(pages.link(p), tuple(pages.links(graph.objects(thing, p))))
            for p in sorted({p for p in graph.predicates(thing, None) if isinstance(p, URIRef)}, key=str)
            if p
            not in (
                RDF.type,
                RDFS.label,
                SKOS.prefLabel,
                SKOS.altLabel,
                SKOS.definition,
                SKOS.editorialNote,
                SKOS.scopeNote,
                RDFS.comment,
            )
        ]
        referenced = []
        for p in sorted(
            {
                p
                for s, p in graph.subject_predicates(thing)
                if isinstance(p, URIRef) and isinstance(s, URIRef) and s not in stmts and p != RDF.type
            },
            key=str,
        ):
            subjects = [
                s
                for s in graph.subjects(p, thing)
                if isinstance(s, URIRef)
                and s not in stmts
                and not any(_is_change(graph, t) for t in uris(graph, s, RDF.type))
            ]
            if subjects and not any({v.label for v in f.values} == {pages.label(x) for x in subjects} for f in facts):
                referenced.append(Relation(Link(f"is “{pages.label(p)}” of"), tuple(pages.links(subjects))))
        name_changes = []
        today: list[Link] = []
        if any(thing in c.originals for c in change_list):
            resolution = resolve(graph, thing, _LATEST)
            for c in resolution.chain + resolution.delegations:
                name_changes.append(
                    NameChange(c.effective().isoformat(), c.kind, pages.links(c.results or c.delegated_to), c.note)
                )
            name_changes.sort(key=lambda c: (c.day, c.kind))
            today = pages.links(resolution.current)
        out.append(
            Entity(
                iri=thing,
                label=pages.label(thing),
                pref_label=text(graph, thing, SKOS.prefLabel),
                alt_labels=texts(graph, thing, SKOS.altLabel),
                kinds=pages.links(t for t in types if is_itops_term(t) or t == ORG.Organization),
                definition=text(graph, thing, SKOS.definition, RDFS.comment),
                notes=[n for p in NOTE_PROPERTIES for n in texts(graph, thing, p)],
                facts=facts,
                referenced_by=referenced,
                groups=groups,
                obligations=obligations,
                inherited=inherited,
                changes=name_changes,
                today=today,
                timeline=timelines.get(thing),
                is_party=thing in parties,
                href=pages.paths.get(thing, ""),
            )
        )
    return out


def _broader(graph: Graph, thing: URIRef) -> list[URIRef]:
    """The broader categories that comprise ``thing``, nearest first (``itops:comprises``, read upwards)."""
    out: list[URIRef] = []
    todo = [thing]
    while todo:
        node = todo.pop(0)
        for broader in sorted((s for s in graph.subjects(ITOPS.comprises, node) if isinstance(s, URIRef)), key=str):
            if broader not in out and broader != thing:
                out.append(broader)
                todo.append(broader)
    return out


def _ordered(found: list[Mention]) -> list[Mention]:
    return sorted(found, key=lambda m: (str(m.statement.document), m.statement.sort_key))


def _is_a(graph: Graph, node: URIRef, cls: URIRef) -> bool:
    return any(_is_a_class(graph, kind, cls) for kind in uris(graph, node, RDF.type))


def _is_change(graph: Graph, cls: URIRef) -> bool:
    return _is_a_class(graph, cls, ITOPS.ChangeEvent) or cls in (ITOPS.Evidence,)


def _is_a_class(graph: Graph, cls: URIRef, parent: URIRef) -> bool:
    todo, seen = [cls], set()
    while todo:
        c = todo.pop()
        if c == parent:
            return True
        if c not in seen:
            seen.add(c)
            todo.extend(uris(graph, c, RDFS.subClassOf))
    return False
