"""The validation report as HTML, in the site's layout: findings by organisation and a chart per rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from itops.docsite import _nav, environment, party_hrefs, rule_href, static_text
from itops.docsite.model import Link

if TYPE_CHECKING:
    from itops.findings import Finding, Report


@dataclass(frozen=True)
class Bar:
    """One rule's bar in the chart: how many organisations it reports."""

    rule: Link
    count: int
    percent: int
    severity: str


def render_report(report: Report, *, title: str, summary: str, site_url: str | None = None) -> str:
    """One self-contained page (the site's stylesheet inlined); with ``site_url``, findings link to the site's
    rule and party pages (``site_url`` is the site's root, a URL or a relative path)."""
    root = (site_url.rstrip("/") + "/") if site_url else ""
    parties: dict[str, list[tuple[str, str]]] = party_hrefs() if site_url else {}

    def rule_link(f: Finding) -> Link:
        return Link(f.rule_label, rule_href(f.rule) if site_url and f.rule else None)

    by_rule: dict[str, set[str]] = defaultdict(set)
    first: dict[str, Finding] = {}
    severities: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        by_rule[f.rule].add(f.focus)
        first.setdefault(f.rule, f)
        severities[f.rule].add(f.severity)
    most = max((len(v) for v in by_rule.values()), default=1)
    bars = [
        Bar(
            rule_link(first[r]),
            len(focuses),
            max(2, round(100 * len(focuses) / most)),
            "violation" if "Violation" in severities[r] else "warning",
        )
        for r, focuses in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), first[kv[0]].rule_label.casefold()))
    ]
    organisations = [
        (
            findings[0],
            [(f, rule_link(f), [Link(label, href) for label, href in parties.get(f.rule, [])]) for f in findings],
        )
        for findings in report.affected().values()
    ]
    return standalone_page(
        "report.html.j2",
        title=title,
        root=root,
        nav=_nav() if site_url else [],
        summary=summary,
        bars=bars,
        organisations=organisations,
        linked=bool(site_url),
    )


def standalone_page(template: str, *, title: str, root: str = "", nav: object = (), **context: object) -> str:
    """A page that stands alone (the site's stylesheet inlined, no search), in the site's one layout."""
    return (
        environment()
        .get_template(template)
        .render(
            title=title,
            root=root,
            nav=nav or [],
            kind="report",
            current="",
            search=False,
            inline_css=static_text("site.css"),
            **context,
        )
    )
