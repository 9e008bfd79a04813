"""The documentation site: static HTML pages generated from the data, with one layout.

``build_site(out_dir)`` writes, into a folder it is given:

- ``index.html``: what the site holds, the two documents and where to go next;
- ``documents/<key>.html``: a document's sections, its commissioning and accountability tables as
  printed and every other statement, each with its passage and reading notes;
  ``documents/<key>-grid.html``: its tasks-and-functions matrix as a functions x parties grid with
  a RACI-style summary;
- ``id/<name>.html``: one page per statement, party, category and every other named thing
  (services, standards, functions, cohorts...), at the path of its IRI under ``id/``;
- ``rules/<Shape>.html``: one page per rule; ``ontology/<Term>.html``: one per class and property;
- ``diagrams.html``, ``search.html``, ``queries.html``, ``rules.html``, ``ontology.html``,
  ``parties.html``, ``timelines.html`` and ``timeline/<name>.html``.

Python gathers the data (:mod:`itops.docsite.model`); Jinja2 templates in ``itops/templates`` lay it
out, all on ``base.html.j2``. Output carries no timestamp: two builds are byte-identical.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from itops.docsite.diagrams import diagrams, graphviz
from itops.docsite.model import (
    Entity,
    Link,
    Pages,
    Statement,
    documents,
    entities,
    entity_iris,
    is_itops_term,
    slug,
    statements,
    text,
    vocabulary,
)
from itops.docsite.rulepages import rule_id, rule_pages, rule_parties
from itops.findings import Finding, rules
from itops.graph import KnowledgeGraph
from itops.io import write_text_atomic
from itops.lineage import Change, changes
from itops.loader import load_shapes
from itops.namespace import ITOPS
from itops.query import all_queries, instances_of
from itops.register import RegisterReader
from itops.validate import validate_data

__all__: Sequence[str] = ["build_site", "environment", "rule_href", "party_hrefs", "EXAMPLE_REGISTER"]

#: The example register of a source checkout (not installed): its findings appear on the rule pages.
EXAMPLE_REGISTER = Path(__file__).resolve().parent.parent.parent / "examples" / "register.csv"


def environment() -> Environment:
    """The Jinja2 environment over the packaged templates (autoescaping HTML, failing on unknown names)."""
    env = Environment(
        loader=PackageLoader("itops", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def static_text(name: str) -> str:
    """A packaged static file (``itops/templates/static/<name>``)."""
    return files("itops").joinpath("templates", "static", name).read_text(encoding="utf-8")


def rule_href(shape: str) -> str:
    """The path of a rule's page from the site root."""
    return f"rules/{rule_id(shape)}.html"


def entity_href(iri: URIRef) -> str:
    """The path of a named thing's (or statement's) page from the site root."""
    return f"id/{slug(iri)}.html"


@dataclass(frozen=True)
class _Page:
    path: str
    template: str
    title: str
    context: Mapping[str, object]  # what the template reads; Jinja2 takes any value
    kind: str  # for the search index and screenshots: "document", "party", "rule"...
    search: str = ""  # extra text the search looks in (passages)


def _findings_on(register: Path | None, kg: KnowledgeGraph | None = None) -> tuple[list[Finding] | None, str]:
    """Findings of the example register (with the fast engine), and the register's name."""
    if register is None or not register.is_file():
        return None, ""
    kg = kg if kg is not None else KnowledgeGraph.bundled()
    data = Graph()
    for triple in kg.dataset.triples((None, None, None)):
        data.add(triple)
    for triple in RegisterReader(kg.dataset, kg.names()).read(str(register)):
        data.add(triple)
    return list(validate_data(data).findings), register.name  # the fast engine


def party_hrefs(graph: Graph | None = None) -> dict[str, list[tuple[str, str]]]:
    """For each rule (shape IRI), the (label, path) of the party and category pages it is about."""
    kg_graph = graph if graph is not None else KnowledgeGraph.bundled().graph
    pages = Pages(kg_graph)
    return {
        shape: [(pages.label(p), entity_href(p)) for p in parties]
        for shape, parties in rule_parties(kg_graph, load_shapes()).items()
    }


def build_site(out_dir: Path, *, register: Path | None = EXAMPLE_REGISTER) -> list[Path]:
    """Write the site into ``out_dir`` (created if needed) and return the files written, sorted.

    ``register`` is the register whose findings the rule pages show (the example register of a
    source checkout by default; none when it is missing).

    Raises:
        OutputError: a file cannot be written.
    """
    kg = KnowledgeGraph.bundled()
    graph = Graph()  # one plain graph of the union: lookups are several times faster than on the dataset
    for triple in kg.dataset.triples((None, None, None)):
        graph.add(triple)
    pages = Pages(graph)
    shapes = load_shapes()
    all_rules = rules(shapes, data=graph)
    all_changes = changes(graph)
    timeline_subjects = sorted({o for c in all_changes for o in c.originals}, key=str)
    timelines = {s: f"timeline/{slug(s)}.html" for s in timeline_subjects}

    # every page's address first, so that any page can link to any other
    parties = _parties(graph)
    statement_iris = {s for s in graph.subjects(ITOPS.fromDocument, None) if isinstance(s, URIRef)}
    for iri in statement_iris | set(entity_iris(graph, statement_iris)):
        pages.paths[iri] = entity_href(iri)
    term_paths = _term_paths(
        [
            t
            for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
            for t in graph.subjects(RDF.type, kind)
            if isinstance(t, URIRef) and is_itops_term(t)
        ]
    )
    pages.paths.update(term_paths)
    for doc_iri in (d for d in graph.subjects(RDF.type, ITOPS.Document) if isinstance(d, URIRef)):
        key = text(graph, doc_iri, SKOS.notation) or slug(doc_iri)
        pages.paths[doc_iri] = f"documents/{key}.html"
        for sec in graph.subjects(ITOPS.inDocument, doc_iri):
            if isinstance(sec, URIRef):
                pages.paths[sec] = f"documents/{key}.html#{slug(sec)}"
    for rule in all_rules:
        pages.paths[URIRef(rule.shape)] = rule_href(rule.shape)
        pages.labels[URIRef(rule.shape)] = rule.label
    stmts = statements(graph, pages)
    doc_list = documents(graph, pages, stmts)
    terms = vocabulary(graph, pages, stmts)
    things = entities(graph, pages, stmts, parties, timelines)
    findings, register_name = _findings_on(register, kg)
    rule_list = rule_pages(graph, shapes, pages, all_rules, stmts, findings)
    short = {d.iri: text(graph, d.iri, SKOS.altLabel) or d.key for d in doc_list}
    drawn = diagrams(graph, pages, stmts, [(d.iri, d.key, short[d.iri]) for d in doc_list], href_prefix="")
    drawn_below = diagrams(
        graph, pages, stmts, [(d.iri, d.key, short[d.iri]) for d in doc_list], href_prefix="../", succession=False
    )  # the same, for pages one folder down

    site: list[_Page] = []
    site.append(
        _Page(
            "index.html",
            "index.html.j2",
            "NHS IT operating models",
            {
                "docs": doc_list,
                "counts": {c.document: c for c in kg.info().documents},
                "n_parties": sum(1 for t in things if t.is_party),
                "n_rules": len(rule_list),
                "n_terms": len(terms),
                "n_statements": len(stmts),
            },
            "home",
        )
    )
    for doc in doc_list:
        site.append(
            _Page(
                f"documents/{doc.key}.html",
                "document.html.j2",
                doc.title,
                {
                    "doc": doc,
                    "short": short[doc.iri],
                    "diagrams": [d for d in drawn_below if d.id.endswith("-" + doc.key)],
                },
                "document",
            )
        )
        site.append(
            _Page(
                f"documents/{doc.key}-grid.html",
                "grid.html.j2",
                f"Who does what — {short[doc.iri]}",
                {"doc": doc, "short": short[doc.iri]},
                "grid",
            )
        )
    doc_of = {d.iri: d for d in doc_list}
    for st in stmts.values():
        st_doc = doc_of.get(st.document) if st.document else None
        site.append(
            _Page(
                entity_href(st.iri),
                "statement.html.j2",
                _statement_title(st, pages),
                {
                    "st": st,
                    "doc": st_doc,
                    "section": pages.link(st.section) if st.section else None,
                    "rules": [r for r in rule_list if st in r.statements],
                },
                "statement",
                st.passage,
            )
        )
    rules_by_party: dict[URIRef, list[Link]] = defaultdict(list)
    for r in rule_list:
        for party in r.party_iris:
            rules_by_party[party].append(Link(r.rule.label, rule_href(r.rule.shape)))
    for thing in things:
        site.append(
            _Page(
                entity_href(thing.iri),
                "entity.html.j2",
                thing.label,
                {"e": thing, "rules": rules_by_party.get(thing.iri, [])},
                "party" if thing.is_party else "thing",
                " ".join([thing.pref_label, *thing.alt_labels, thing.definition]),
            )
        )
    site.append(
        _Page(
            "parties.html",
            "parties.html.j2",
            "Parties, categories and other named things",
            {"groups": _thing_groups(things, _categories(graph))},
            "index",
        )
    )
    for r in rule_list:
        site.append(
            _Page(
                rule_href(r.rule.shape),
                "rule.html.j2",
                r.rule.label,
                {"r": r, "register": register_name},
                "rule",
                r.rule.description,
            )
        )
    site.append(_Page("rules.html", "rules.html.j2", "Rules", {"rules": rule_list, "register": register_name}, "index"))
    for term in terms:
        site.append(
            _Page(
                term_paths[term.iri],
                "term.html.j2",
                term.label,
                {"t": term, "qname": _qname(term.iri)},
                "term",
                term.definition,
            )
        )
    site.append(
        _Page(
            "ontology.html",
            "ontology.html.j2",
            "Ontology reference",
            {"terms": terms, "qname": _qname, "href": term_paths},
            "index",
        )
    )
    site.append(
        _Page(
            "diagrams.html",
            "diagrams.html.j2",
            "Diagrams",
            {"diagrams": drawn, "graphviz": graphviz() is not None},
            "diagrams",
        )
    )
    site.append(
        _Page("queries.html", "queries.html.j2", "Questions (named queries)", {"queries": all_queries()}, "index")
    )
    site.append(_Page("search.html", "search.html.j2", "Search", {}, "search"))
    timeline_links = []
    for entity in timeline_subjects:
        path = timelines[entity]
        site.append(
            _Page(
                path,
                "timeline.html.j2",
                f"Timeline: {pages.label(entity)}",
                {"entity": pages.link(entity), "entries": _timeline(entity, all_changes, pages)},
                "timeline",
            )
        )
        timeline_links.append(Link(pages.label(entity), path))
    site.append(
        _Page(
            "timelines.html",
            "timelines.html.j2",
            "Timelines of the 2013 bodies, systems and standards",
            {"links": timeline_links},
            "index",
        )
    )

    env = environment()
    written: list[Path] = []

    def write(relative: str, content: str) -> None:
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, content)
        written.append(path)

    nav = _nav()
    for page in site:
        depth = page.path.count("/")
        html = env.get_template(page.template).render(
            title=page.title,
            root="../" * depth,
            nav=nav,
            kind=page.kind,
            current=page.path,
            inline_css="",
            search=True,
            **page.context,
        )
        write(page.path, html)
    for name in ("site.css", "site.js"):
        write(f"static/{name}", static_text(name))
    write("static/search-index.js", _search_index(site))
    return sorted(written)


def _nav() -> list[Link]:
    return [
        Link("Documents", "index.html#documents"),
        Link("Parties", "parties.html"),
        Link("Rules", "rules.html"),
        Link("Diagrams", "diagrams.html"),
        Link("Ontology", "ontology.html"),
        Link("Questions", "queries.html"),
        Link("Timelines", "timelines.html"),
    ]


def _parties(graph: Graph) -> set[URIRef]:
    return set(instances_of(graph, ITOPS.Party)) | set(instances_of(graph, ITOPS.PartyCategory))


def _categories(graph: Graph) -> set[URIRef]:
    return set(instances_of(graph, ITOPS.PartyCategory))


def _qname(iri: URIRef) -> str:
    return "itops:" + str(iri).rsplit("#", 1)[-1] if is_itops_term(iri) else str(iri)


def _term_paths(iris: list[URIRef]) -> dict[URIRef, str]:
    """Ontology page paths, unique even on case-insensitive file systems."""
    out: dict[URIRef, str] = {}
    seen: set[str] = set()
    for iri in sorted(iris, key=str):
        name = slug(iri)
        while name.casefold() in seen:
            name += "-"
        seen.add(name.casefold())
        out[iri] = f"ontology/{name}.html"
    return out


def _statement_title(st: Statement, pages: Pages) -> str:
    if st.label:
        return st.label
    where = pages.label(st.section) if st.section else ""
    number = f" {'row' if 'Arrangement' in str(st.kind.href) else 'no.'} {st.number}" if st.number else ""
    return f"{st.kind.label.capitalize()}{number} — {where}" if where else st.kind.label.capitalize()


def _thing_groups(things: list[Entity], categories: set[URIRef]) -> list[tuple[str, list[Entity]]]:
    groups: dict[str, list[Entity]] = defaultdict(list)
    first = ("Organisations and their parts", "Categories of organisations")
    for t in things:
        key = (
            first[1] if t.iri in categories else first[0] if t.is_party else (t.kinds[0].label if t.kinds else "other")
        )
        groups[key].append(t)
    ordered = sorted(
        groups.items(),
        key=lambda kv: (kv[0] not in first, first.index(kv[0]) if kv[0] in first else 0, kv[0].casefold()),
    )
    return [(k, sorted(v, key=lambda t: t.label.casefold())) for k, v in ordered]


def _timeline(entity: URIRef, all_changes: list[Change], pages: Pages) -> list[dict[str, object]]:
    reached = {entity}
    chain: list[Change] = []
    for change in all_changes:  # already sorted by effective date
        if reached & set(change.originals):
            chain.append(change)
            if change.kind not in ("delegation", "abolition"):
                reached |= set(change.results)
    entries: list[dict[str, object]] = [{"day": "2013-04-01", "start": True}]
    for c in chain:
        entries.append(
            {
                "day": c.effective().isoformat(),
                "start": False,
                "kind": c.kind,
                "originals": pages.links(c.originals),
                "results": pages.links(c.results or c.delegated_to),
                "legal": c.legal.isoformat() if c.legal else "",
                "operational": c.operational.isoformat() if c.operational else "",
                "precision": c.precision,
                "instrument": c.instrument,
                "note": c.note,
                "accountable": pages.links(c.accountable),
                "evidence": list(c.evidence),
            }
        )
    entries.sort(key=lambda e: str(e["day"]))
    return entries


def _search_index(site: list[_Page]) -> str:
    entries = [
        {"t": p.title, "u": p.path, "k": p.kind, "x": p.search}
        for p in site
        if p.kind not in ("index", "search", "home")
    ]
    entries.sort(key=lambda e: (e["t"].casefold(), e["u"]))
    body = json.dumps(entries, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    body = body.replace("</", "<\\/")
    return (
        "// The search index of the itops site: loaded by a <script> tag so that search works from file://.\n"
        f"window.ITOPS_SEARCH = {body};\n"
    )
