"""Writers of the listing commands' results: query rows, what is loaded, the rules, a name's succession, the types.

Text is laid out by rich's tables (recorded, so it goes to a file or a pipe the same way as to a
terminal); JSON and CSV are plain data for other programs.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from itops.coverage import Obligation, summarise
from itops.graph import Info
from itops.lineage import Change, NamedResolution
from itops.query import NamedQuery, QueryResult
from itops.register import OrganisationType
from itops.reports import json_text


def _recorded(*renderables: Table | str, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), highlight=False, soft_wrap=False)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------ query rows


def query_text(result: QueryResult, *, title: str = "") -> str:
    """Query rows as a table, with the row count."""
    table = Table(title=title or None, show_lines=True)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.values():
        table.add_row(*row)
    return _recorded(table, f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''}")


def query_csv(result: QueryResult, *, title: str = "") -> str:
    """Query rows as CSV with a header row."""
    return result.to_csv()


def query_json(result: QueryResult, *, title: str = "") -> str:
    """Query rows in the SPARQL 1.1 Query Results JSON Format."""
    return result.to_json()


# ------------------------------------------------------------------------------------ info

#: The rows of ``itops info``'s tables: (words, field of :class:`Info` or :class:`DocumentCounts`).
_ONTOLOGY_COUNTS = (
    ("classes", "classes"),
    ("object properties", "object_properties"),
    ("datatype properties", "datatype_properties"),
    ("annotation properties", "annotation_properties"),
    ("organisations and their parts", "organisations"),
    ("categories of organisations", "party_categories"),
    ("services and systems", "services"),
    ("standards and policies", "standards"),
)
_DOCUMENT_COUNTS = (
    ("commissioning table rows", "commissioning_rows"),
    ("accountability table rows", "accountability_rows"),
    ("tasks-and-functions cells", "matrix_cells"),
    ("tasks-and-functions statements", "matrix_statements"),
    ("scope items", "scope_items"),
    ("glossary terms", "glossary_terms"),
    ("standard requirements", "standard_requirements"),
    ("escalation routes", "escalation_routes"),
    ("funding statements", "funding_statements"),
    ("references", "references"),
    ("all statements", "statements"),
)


def info_text(info: Info, *, version: str = "") -> str:
    """What is loaded: sources, the ontology's size, and the statements of each document."""
    sources = Table(title="Sources")
    for column in ("file", "named graph", "triples"):
        sources.add_column(column, justify="right" if column == "triples" else "left")
    for source in info.sources:
        sources.add_row(source.location, str(source.graph_iri), str(source.triples))
    onto = Table(title="Ontology and shared individuals")
    onto.add_column("count")
    onto.add_column("number", justify="right")
    for label, attr in _ONTOLOGY_COUNTS:
        onto.add_row(label, str(getattr(info, attr)))
    documents = Table(title="Documents")
    documents.add_column("count")
    for doc in info.documents:
        documents.add_column(doc.document, justify="right")
    for label, attr in _DOCUMENT_COUNTS:
        documents.add_row(label, *(str(getattr(d, attr)) for d in info.documents))
    return _recorded(f"itops {version}: {info.triples} triples loaded", sources, onto, documents, width=160)


def info_json(info: Info, *, version: str = "") -> str:
    """What is loaded, as JSON."""
    data = dataclasses.asdict(info)
    for source in data["sources"]:
        source["graph_iri"] = str(source["graph_iri"])
    return json_text({"version": version, **data})


# ------------------------------------------------------------------------------------ rules

_RULE_COLUMNS = (
    "document",
    "section",
    "obligation",
    "party",
    "modality",
    "severity",
    "register_subject",
    "enforced_by",
    "why_not_checkable",
)


def _rule_row(row: Obligation) -> list[object]:
    return [
        row.document,
        row.section,
        row.passage,
        row.party,
        row.modality,
        row.severity,
        "yes" if row.register_subject else "no",
        "; ".join(row.shapes),
        row.reason,
    ]


def rules_csv(rows: Sequence[Obligation]) -> str:
    """Every obligation, one row each, with the rules that check it or the reason none can."""
    return _csv(_RULE_COLUMNS, [_rule_row(r) for r in rows])


def rules_json(rows: Sequence[Obligation]) -> str:
    """Every obligation and the coverage counts, as JSON."""
    counts = dataclasses.asdict(summarise(list(rows)))
    return json_text({"coverage": counts, "obligations": [dataclasses.asdict(r) for r in rows]})


def rules_text(rows: Sequence[Obligation]) -> str:
    """Every obligation with what checks it, then the coverage counts (distinct passages)."""
    table = Table(title="Obligations in the documents and the rules that check them", show_lines=True)
    for column in ("document", "section", "obligation", "binds", "checked by / why not"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.document, row.section, row.passage, f"{row.party} ({row.modality})", "; ".join(row.shapes) or row.reason
        )
    c = summarise(list(rows))
    footer = (
        f"{c.passages} obligations (distinct passages per document): {c.checked} checked by a rule, "
        f"{c.with_reason} with a reason no register can show them, {c.not_reviewed} not reviewed.\n"
        f"About organisations a register holds: {c.register_passages}, of which {c.register_checked} checked "
        f"and {c.register_with_reason} with a reason of their own."
    )
    return _recorded(table, footer)


# ------------------------------------------------------------------------------------ resolve


def _change(named: NamedResolution, c: Change) -> dict[str, object]:
    return {
        "change": str(c.iri),
        "kind": c.kind,
        "from": [named.name(o) for o in c.originals],
        "to": [named.name(r) for r in c.results],
        "legal_date": c.legal.isoformat() if c.legal else None,
        "operational_date": c.operational.isoformat() if c.operational else None,
        "precision": c.precision,
        "instrument": c.instrument,
        "note": c.note,
        "delegated_to": [named.name(d) for d in c.delegated_to],
        "accountable": [named.name(a) for a in c.accountable],
        "sources": [{"title": e.title, "url": e.url, "excerpt": e.excerpt} for e in c.evidence],
    }


def resolve_json(named: NamedResolution) -> str:
    """A name's succession up to a date, as JSON."""
    r = named.resolution
    data = {
        "name": named.name(r.original),
        "iri": str(r.original),
        "on": r.on.isoformat(),
        "stands_for": [named.name(c) for c in r.current],
        "chain": [_change(named, c) for c in r.chain],
        "delegations": [_change(named, c) for c in r.delegations],
        "successor_of": [_change(named, c) for c in r.predecessors],
    }
    return json_text(data)


def resolve_text(named: NamedResolution) -> str:
    """A name's succession up to a date, in words, each change with its dates and sources."""
    r, name, basis = named.resolution, named.name, named.basis
    lines = [f"{name(r.original)} on {r.on.isoformat()}: {', '.join(name(c) for c in r.current)}"]
    if not r.chain:
        lines.append("  no change recorded up to that date")
    for c in r.chain:
        dates = "; ".join(
            x
            for x in (
                f"legal {c.legal.isoformat()}" if c.legal else "",
                f"operational {c.operational.isoformat()}" if c.operational else "",
            )
            if x
        )
        precision = f"; {c.precision} precision" if c.precision != "day" else ""
        lines.append(
            f"  {c.effective(basis).isoformat()}  {c.kind}: {', '.join(map(name, c.originals))} -> "
            f"{', '.join(map(name, c.results))}  ({dates}{precision})"
        )
        if c.instrument:
            lines.append(f"      instrument: {c.instrument}")
        if c.note:
            lines.append(f"      note: {c.note}")
        for e in c.evidence:
            lines.append(f'      source: {e.title} <{e.url}>: "{e.excerpt}"')
    for c in r.delegations:
        lines.append(
            f"  {c.effective(basis).isoformat()}  delegation: {c.iri.rsplit('/', 1)[-1]} — exercised by "
            f"{', '.join(map(name, c.delegated_to))}; accountability stays with "
            f"{', '.join(map(name, c.accountable))}"
        )
    for c in r.predecessors:
        lines.append(
            f"  {name(r.original)} is what {', '.join(map(name, c.originals))} became ({c.kind}, "
            f"{c.effective(basis).isoformat()})"
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ types


def types_text(types: Sequence[OrganisationType]) -> str:
    """The organisation types a register's ``type`` column accepts, with the names it accepts for each."""
    table = Table(title="Organisation types for the 'type' column of a register (any name in a row is accepted)")
    for column in ("type", "class", "accepted names"):
        table.add_column(column)
    for kind in types:
        table.add_row(kind.label, str(kind.iri).rsplit("#", 1)[-1], "; ".join(kind.names))
    return _recorded(table, width=160)


def types_csv(types: Sequence[OrganisationType]) -> str:
    """The organisation types as CSV: label, class IRI, accepted names."""
    return _csv(("type", "class", "accepted_names"), [(t.label, str(t.iri), "; ".join(t.names)) for t in types])


# ------------------------------------------------------------------------------------ the named queries


def queries_text(queries: Sequence[NamedQuery]) -> str:
    """The named queries: name, title and parameters (``?`` marks an optional one)."""
    table = Table(title="Named queries (itops query NAME --help-query for details)")
    for column in ("name", "title", "parameters"):
        table.add_column(column)
    for query in queries:
        table.add_row(
            query.name, query.title, ", ".join(f"{p.name}{'' if p.required else '?'}" for p in query.parameters)
        )
    return _recorded(table, width=160)


def query_help_text(query: NamedQuery) -> str:
    """One named query's question, columns, parameters and examples."""
    parts: list[Table | str] = [
        f"{query.name}: {query.title}",
        query.description,
        "columns: " + ", ".join(query.columns),
    ]
    if query.parameters:
        table = Table(title="parameters (--param NAME=VALUE)")
        for column in ("name", "type", "", "meaning"):
            table.add_column(column)
        for p in query.parameters:
            kind = p.type + (f" ({p.iri_class})" if p.iri_class else "")
            table.add_row(p.name, kind, "required" if p.required else "optional", p.description)
        parts.append(table)
        for example in query.examples:
            shown = " ".join(f'--param "{k}={v}"' for k, v in example.items())
            parts.append(f"example: itops query {query.name} {shown}")
        parts.append('An IRI parameter takes an IRI, a prefixed name (id:nhs-cb), a label or an acronym ("NHS CB").')
    return _recorded(*parts, width=160)
