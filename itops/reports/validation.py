"""Writers of validation reports: text, JSON, CSV, the standard SHACL report (Turtle) and HTML.

Every report begins by saying how much it checked (:func:`checked_line`), so that an empty
report cannot be mistaken for a pass on nothing.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict

from rdflib import Graph
from rdflib.namespace import SH

from itops.findings import Finding, Report
from itops.namespace import ITOPS
from itops.release import serialize
from itops.reports import json_text

FIELDS = tuple(Finding.__dataclass_fields__)


def to_json(report: Report) -> str:
    """The report as JSON: a summary and the list of findings."""
    data = {
        "conforms": report.conforms,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "organisations_affected": report.focus_nodes,
        "organisations_checked": report.organisations,
        "statements_checked": report.statements,
        "rules_run": report.shapes_run,
        "rules_with_nothing_recorded_to_read": list(report.unread),
        "findings": [asdict(f) for f in report.findings],
    }
    return json_text(data)


def to_csv(report: Report) -> str:
    """The report as CSV, one row per finding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for f in report.findings:
        row = asdict(f)
        row["sections"] = "; ".join(f.sections)
        writer.writerow([row[k] for k in FIELDS])
    return buffer.getvalue()


def to_ttl(report: Report) -> bytes:
    """The standard SHACL validation report, as Turtle in a canonical order."""
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("itops", ITOPS)
    for triple in report.results_graph:
        graph.add(triple)
    return serialize(graph, "turtle", canonical=True)


def checked_line(report: Report) -> str:
    """How much the validation checked: every report says it, so that nothing checked never reads as a pass."""
    if report.standalone:
        return f"Checked {report.triples} triple(s) of data against {report.shapes_run} shape(s)."
    what = (
        f"{report.organisations} organisation(s) from registers and {report.statements} statement(s) of the documents"
        if report.organisations
        else f"the documents alone ({report.statements} statement(s); no register given)"
    )
    unread = f", {len(report.unread)} of which had nothing recorded to read" if report.unread else ""
    return f"Checked {what} against {report.shapes_run} rule(s){unread}."


def _summary_line(report: Report) -> str:
    if not report.findings:
        return "No findings: nothing checked breaks a rule the documents set."
    return (
        f"{len(report.violations)} violation(s) and {len(report.warnings)} warning(s) "
        f"affecting {report.focus_nodes} organisation(s) or statement(s)."
    )


def to_text(report: Report) -> str:
    """A plain-words report grouped by organisation, then a summary per rule."""
    out = [checked_line(report), _summary_line(report), ""]
    for _focus, findings in report.affected().items():
        first = findings[0]
        name = _one_line(first.organisation)  # a register's name may hold a line break; a report line may not
        code = f" ({first.ods_code})" if first.ods_code else ""
        out.append(f"{name}{code}")
        for f in findings:
            out.append(f"  [{f.severity}] {name} {f.message}.")
            out.append(f"      rule: {f.rule_label} — {'; '.join(f.sections)}")
            if f.action_by:
                out.append(f"      who acts: {f.action_by}")
            if f.remedy:
                out.append(f"      what to do: {f.remedy}")
        out.append("")
    by_rule: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for f in report.findings:
        by_rule[f.rule].add(f.focus)
        labels[f.rule] = f.rule_label
    if by_rule:
        out.append("Organisations affected per rule:")
        for rule, focuses in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), labels[kv[0]])):
            out.append(f"  {len(focuses):4d}  {labels[rule]}")
        out.append("")
    if report.unread:
        out.append(
            "Nothing recorded to read: no organisation of the registers records what these rules check, so they "
            "found nothing either way ('itops obligations' shows their duties as not recorded):"
        )
        out += [f"  {label}" for label in report.unread]
    return "\n".join(out).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_html(report: Report, *, title: str = "itops validation report", site_url: str | None = None) -> str:
    """One self-contained, accessible HTML page a person can send to a colleague, in the site's layout.

    It shows a chart of the organisations affected per rule and the findings by organisation; with
    ``site_url`` (the documentation site's root, a URL or a relative path) each finding links to
    its rule's page and to the pages of the parties the rule is about.
    """
    from itops.docsite.report import render_report  # the Jinja2 templates are loaded only when HTML is asked for

    return render_report(
        report, title=title, summary=f"{checked_line(report)} {_summary_line(report)}", site_url=site_url
    )
