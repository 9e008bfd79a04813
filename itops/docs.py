"""The documentation site: static, self-contained HTML pages generated from the data files.

``itops docs -o site/`` writes an index, the named queries (from their header comments), the
rules (from the shapes' annotations) and a timeline page for every 2013 body, system and
standard that later changed (from ``data/lineage.ttl``), so nothing is described twice.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from rdflib import URIRef

from itops.graph import KnowledgeGraph
from itops.io import write_text_atomic
from itops.lineage import Change, changes
from itops.query import all_queries
from itops.validate import rules

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.5}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #888;padding:.4rem;vertical-align:top;text-align:left}"
    "caption{font-weight:bold;text-align:left;padding:.4rem 0}nav a{margin-right:1rem}"
    "ol.timeline{border-left:3px solid #555;padding-left:1.5rem}ol.timeline li{margin-bottom:1rem}"
)


def _page(title: str, body: str, *, depth: int = 0) -> str:
    up = "../" * depth
    nav = (f'<nav aria-label="site"><a href="{up}index.html">Home</a><a href="{up}queries.html">Questions</a>'
           f'<a href="{up}rules.html">Rules</a><a href="{up}timelines.html">Timelines</a></nav>')
    return (f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{nav}<main><h1>{html.escape(title)}</h1>{body}</main></body></html>\n")


def slug(iri: URIRef) -> str:
    """The file name of an entity's timeline page."""
    return re.sub(r"[^a-z0-9-]+", "-", str(iri).rsplit("/", 1)[-1].lower())


def _timeline_subjects(all_changes: list[Change]) -> list[URIRef]:
    subjects: set[URIRef] = set()
    for change in all_changes:
        subjects.update(change.originals)
    return sorted(subjects, key=str)


def _chain_for(entity: URIRef, all_changes: list[Change]) -> list[Change]:
    """Every change that concerns ``entity`` or what it became, in date order."""
    reached = {entity}
    chain: list[Change] = []
    for change in all_changes:  # already sorted by effective date
        if reached & set(change.originals):
            chain.append(change)
            if change.kind not in ("delegation", "abolition"):
                reached |= set(change.results)
    return chain


def build_site(out: Path) -> list[Path]:
    """Write the site into ``out`` and return the files written."""
    kg = KnowledgeGraph.bundled()
    index = kg.names()
    e = html.escape

    def name(iri: URIRef) -> str:
        return index.display.get(iri, str(iri))

    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        written.append(path)

    info = kg.info()
    rows = "".join(
        f"<tr><th scope=\"row\">{e(d.title)}</th><td>{d.commissioning_rows}</td><td>{d.accountability_rows}</td>"
        f"<td>{d.matrix_cells} ({d.matrix_statements})</td><td>{d.statements}</td></tr>" for d in info.documents)
    write("index.html", _page("itops: NHS IT operating models as a knowledge graph", (
        "<p>The NHS Commissioning Board's <em>Securing excellence in IT Services</em> operating models, as an OWL "
        "ontology, Turtle data, SHACL rules and SPARQL questions.</p>"
        "<table><caption>Documents</caption><thead><tr><th scope=\"col\">document</th>"
        "<th scope=\"col\">commissioning rows</th><th scope=\"col\">accountability rows</th>"
        "<th scope=\"col\">matrix cells (statements)</th><th scope=\"col\">all statements</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>")))

    items = "".join(
        f"<tr><th scope=\"row\"><code>{e(q.name)}</code></th><td>{e(q.title)}<br>{e(q.description)}</td>"
        f"<td>{e(', '.join(p.name + ('' if p.required else '?') for p in q.parameters))}</td></tr>" for q in all_queries())
    write("queries.html", _page("Questions (named queries)", (
        "<p>Run with <code>itops query NAME --param NAME=VALUE</code>.</p><table><caption>Named queries</caption>"
        "<thead><tr><th scope=\"col\">name</th><th scope=\"col\">question</th><th scope=\"col\">parameters</th></tr>"
        f"</thead><tbody>{items}</tbody></table>")))

    items = "".join(
        f"<tr><th scope=\"row\">{e(r.label)}</th><td>{e(r.family)}</td><td>{e('; '.join(r.sections))}</td>"
        f"<td>{e(r.description)}</td><td>{e(r.action_by)}</td></tr>" for r in rules(data=kg.graph))
    write("rules.html", _page("Rules (SHACL shapes)", (
        "<table><caption>The documents' rules</caption><thead><tr><th scope=\"col\">rule</th><th scope=\"col\">family</th>"
        "<th scope=\"col\">sections</th><th scope=\"col\">what the documents say</th><th scope=\"col\">who acts</th></tr>"
        f"</thead><tbody>{items}</tbody></table>")))

    all_changes = changes(kg.graph)
    links = []
    for entity in _timeline_subjects(all_changes):
        chain = _chain_for(entity, all_changes)
        entries = [("2013-04-01", "<li><p><strong><time datetime=\"2013-04-01\">2013-04-01</time></strong> — "
                                  "the operating models take effect.</p></li>")]
        for change in chain:
            dates = ", ".join(x for x in (f"legal {change.legal.isoformat()}" if change.legal else "",
                                          f"operational {change.operational.isoformat()}" if change.operational else "") if x)
            target = ", ".join(name(r) for r in change.results) or ", ".join(name(d) for d in change.delegated_to)
            sources = "".join(f"<li><a href=\"{e(ev.url)}\">{e(ev.title)}</a>: “{e(ev.excerpt)}”</li>" for ev in change.evidence)
            kept = (f"<p>Accountability stays with {e(', '.join(name(a) for a in change.accountable))}.</p>"
                    if change.accountable else "")
            entries.append((change.effective().isoformat(),
                f"<li><p><strong><time datetime=\"{change.effective().isoformat()}\">{change.effective().isoformat()}</time>"
                f"</strong> — {e(change.kind)}: {e(', '.join(name(o) for o in change.originals))} → {e(target)} "
                f"({e(dates)}{e('; ' + change.precision + ' precision') if change.precision != 'day' else ''})</p>"
                + (f"<p>Instrument: {e(change.instrument)}</p>" if change.instrument else "")
                + (f"<p>{e(change.note)}</p>" if change.note else "") + kept
                + f"<ul>{sources}</ul></li>"))
        page = f"timeline/{slug(entity)}.html"
        write(page, _page(f"Timeline: {name(entity)}", (
            f"<p>What became of <strong>{e(name(entity))}</strong>, named in the 2013 documents, with the sources "
            f"of each change. Ask <code>itops resolve \"{e(name(entity))}\" --on DATE</code> for a given date.</p>"
            f"<ol class=\"timeline\">{''.join(entry for _, entry in sorted(entries, key=lambda x: x[0]))}</ol>"),
            depth=1))
        links.append(f"<li><a href=\"{page}\">{e(name(entity))}</a></li>")
    write("timelines.html", _page("Timelines of the 2013 bodies, systems and standards", f"<ul>{''.join(links)}</ul>"))
    return written
