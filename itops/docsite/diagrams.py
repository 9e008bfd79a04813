"""Diagrams: who commissions whom, who holds whom to account, and succession, drawn by Graphviz.

Each diagram is a list of edges read from the data; Graphviz's ``dot`` (Debian package
``graphviz``) lays it out as SVG whose nodes link to the site's pages. The same edges give the
text alternative. When ``dot`` is missing the site still builds and says diagrams need Graphviz.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from itops.docsite.model import Link, Pages, Statement, uris
from itops.errors import OutputError
from itops.lineage import changes
from itops.namespace import ITOPS


@dataclass(frozen=True)
class Edge:
    """An arrow from one thing to another, with the statements it comes from."""

    source: Link
    target: Link
    label: str
    statements: list[Statement]


@dataclass(frozen=True)
class Diagram:
    """A diagram: its title, what an arrow means, its edges and (when Graphviz is present) its SVG."""

    id: str
    title: str
    verb: str  # "commissions services from", used in the text alternative
    edges: list[Edge]
    svg: str  # "" when Graphviz is missing


def graphviz() -> str | None:
    """The path of Graphviz's ``dot``, or None when it is not installed."""
    return shutil.which("dot")


def _edges(
    graph: Graph,
    pages: Pages,
    stmts: dict[URIRef, Statement],
    cls: URIRef,
    source_prop: URIRef,
    target_prop: URIRef,
    document: URIRef | None,
) -> list[Edge]:
    pairs: dict[tuple[URIRef, URIRef], list[Statement]] = defaultdict(list)
    for st in stmts.values():
        if document is not None and st.document != document:
            continue
        if not any(t == cls for t in uris(graph, st.iri, RDF.type)):
            continue
        for s in uris(graph, st.iri, source_prop):
            for t in uris(graph, st.iri, target_prop):
                pairs[(s, t)].append(st)
    out = []
    for (s, t), sts in sorted(
        pairs.items(), key=lambda kv: (pages.label(kv[0][0]).casefold(), pages.label(kv[0][1]).casefold())
    ):
        sts.sort(key=lambda st: st.sort_key)
        numbers = [st.number for st in sts if st.number]
        label = ("row " if len(numbers) == 1 else "rows ") + ", ".join(numbers) if numbers else ""
        out.append(Edge(pages.link(s), pages.link(t), label, sts))
    return out


def diagrams(
    graph: Graph,
    pages: Pages,
    stmts: dict[URIRef, Statement],
    documents: list[tuple[URIRef, str, str]],
    *,
    href_prefix: str,
    succession: bool = True,
) -> list[Diagram]:
    """The commissioning and accountability diagram of each document, and the succession diagram.

    ``documents`` gives (document IRI, key, short title); ``href_prefix`` is prepended to page
    paths in the SVG's links (the path from the page that shows the diagrams to the site root).
    """
    out = []
    for doc, key, short in documents:
        out.append(
            Diagram(
                f"commissioning-{key}",
                f"Who commissions whom — {short}",
                "commissions services from",
                _edges(
                    graph,
                    pages,
                    stmts,
                    ITOPS.CommissioningArrangement,
                    ITOPS.hasCommissioner,
                    ITOPS.commissionedFrom,
                    doc,
                ),
                "",
            )
        )
        out.append(
            Diagram(
                f"accountability-{key}",
                f"Who holds whom to account — {short}",
                "holds to account for delivery",
                _edges(
                    graph,
                    pages,
                    stmts,
                    ITOPS.AccountabilityArrangement,
                    ITOPS.hasAccountableBody,
                    ITOPS.accountableForDelivery,
                    doc,
                ),
                "",
            )
        )
    lineage = []
    for change in changes(graph) if succession else []:
        for original in change.originals:
            for result in change.results or change.delegated_to:
                lineage.append(
                    Edge(
                        pages.link(original), pages.link(result), f"{change.kind} {change.effective().isoformat()}", []
                    )
                )
    lineage.sort(key=lambda e: (e.label.split()[-1], e.source.label.casefold(), e.target.label.casefold()))
    if succession:
        out.append(
            Diagram(
                "succession",
                "What became of the 2013 bodies, systems and standards",
                "became (or delegated to)",
                lineage,
                "",
            )
        )
    dot = graphviz()
    if dot is None:
        return out
    return [Diagram(d.id, d.title, d.verb, d.edges, render_svg(dot, d, href_prefix)) for d in out]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(diagram: Diagram, href_prefix: str) -> str:
    """The Graphviz source of a diagram (nodes link to their pages)."""
    lines = [
        f"digraph {_quote(diagram.id)} {{",
        '  graph [rankdir=LR, bgcolor="transparent", fontname="Helvetica", nodesep=0.25, ranksep=0.6, pad=0.1];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#1d4f91", fontcolor="#0b2545", '
        'fontname="Helvetica", fontsize=11, margin="0.12,0.06"];',
        '  edge [color="#5b6b7f", fontcolor="#3d4a5c", fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    nodes: dict[str, Link] = {}
    for e in diagram.edges:
        nodes.setdefault(e.source.label, e.source)
        nodes.setdefault(e.target.label, e.target)
    ids = {label: f"n{i}" for i, label in enumerate(sorted(nodes, key=str.casefold))}
    for label in sorted(nodes, key=str.casefold):
        link = nodes[label]
        attrs = [f"label={_quote(label)}", f"tooltip={_quote(link.title or label)}"]
        if link.href:
            attrs.append(f"URL={_quote(href_prefix + link.href)}")
        lines.append(f"  {ids[label]} [{', '.join(attrs)}];")
    for e in diagram.edges:
        lines.append(
            f"  {ids[e.source.label]} -> {ids[e.target.label]} [label={_quote(e.label)}, "
            f"tooltip={_quote(e.source.label + ' ' + diagram.verb + ' ' + e.target.label)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot: str, diagram: Diagram, href_prefix: str) -> str:
    """The diagram as SVG ready to inline in an HTML page ("" if it has no edges)."""
    if not diagram.edges:
        return ""
    done = subprocess.run(
        [dot, "-Tsvg"], input=to_dot(diagram, href_prefix), capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise OutputError(f"Graphviz dot failed on diagram {diagram.id}: {done.stderr.strip().splitlines()[-1:]}")
    svg = done.stdout
    svg = svg[svg.index("<svg") :]  # drop the XML declaration, doctype and generator comment
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r"<title>[^<]*</title>\n?", "", svg, count=1)  # the graph's own title is its id
    svg = svg.replace(' id="', f' id="{diagram.id}-')  # ids unique when several diagrams share a page
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{diagram.id}-title" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", rf'\1<title id="{diagram.id}-title">{_xml(diagram.title)}</title>', svg, count=1)
    # keep the drawing's own size as a maximum, and let it shrink on narrow screens
    svg = re.sub(
        r'<svg([^>]*?) width="([0-9.]+)pt" height="([0-9.]+)pt"',
        r'<svg\1 style="max-width:\2pt" class="diagram"',
        svg,
        count=1,
    )
    return svg.strip()


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
